/**
 * An entropy coder: a sequence of symbols from [0, alphabetSize) to bytes and back.
 * The decoder is told the symbol count and alphabet (the container stores them), and
 * must throw, never loop or over-allocate, on bytes it did not write.
 */
export interface Coder {
  /** Versioned id stored in files, e.g. `rans/1`. */
  readonly id: string;
  encode(symbols: Uint32Array, alphabetSize: number): Uint8Array;
  decode(bytes: Uint8Array, count: number, alphabetSize: number): Uint32Array;
}

const registry = new Map<string, Coder>();

/**
 * Register a coder under its id so files naming it can be read. Re-registering an id
 * with a different coder throws: ids are part of the file format.
 *
 * @example
 * registerCoder({ id: 'my-coder/1', encode, decode });
 */
export function registerCoder(coder: Coder): void {
  const existing = registry.get(coder.id);
  if (existing && existing !== coder) throw new Error(`Expected a new coder id, got '${coder.id}' which is already registered`);
  registry.set(coder.id, coder);
}

/** The coder registered under `id`, or undefined. */
export function findCoder(id: string): Coder | undefined {
  return registry.get(id);
}

/** Ids of every registered coder. */
export function coderIds(): string[] {
  return [...registry.keys()];
}
