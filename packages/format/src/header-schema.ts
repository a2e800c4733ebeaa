// The JSON header of a .sws file (docs/format.md), checked by hand rather than by a schema
// library: this is the decode path a browser bundles, and the check is small (a schema
// library was ~95% of the decoder bundle).

export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
export const MAX_TENSORS = 4096;
export const MAX_ELEMENTS = 2 ** 28;
/** Decoded elements allowed per byte of file (plus a 1M allowance): bounds what a tiny hostile file can make us allocate. */
export const MAX_ELEMENTS_PER_BYTE = 1024;

/** A byte range of the payload and its CRC-32. */
export interface SwsSection {
  readonly offset: number;
  readonly length: number;
  readonly crc32: number;
}

/** A section holding `count` entropy-coded symbols. */
export interface SwsStream extends SwsSection {
  readonly count: number;
}

interface SharedBase {
  readonly name: string;
  readonly shape: number[];
  readonly encoding: 'shared';
  readonly codebook: number[];
  readonly coder: string;
  readonly codes: SwsStream;
}

export type SwsTensorEntry =
  | (SharedBase & { readonly layout: 'escape'; readonly gaps: SwsStream })
  | (SharedBase & { readonly layout: 'context'; readonly mask: SwsSection })
  | { readonly name: string; readonly shape: number[]; readonly encoding: 'float32' | 'float16' | 'int32' | 'bool'; readonly data: SwsSection };

/** What the model's inputs went through in training (format 2.1): input / divisor, then (x - mean) / std per channel. */
export interface SwsPreprocessing {
  readonly divisor: number;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

export interface SwsHeader {
  readonly format: 'softshare-sws';
  readonly generator: string;
  /** Absent in files written before format 2.1, or by a writer that was not told. */
  readonly preprocessing?: SwsPreprocessing;
  /** "graph-model" (since 2.2): modelTopology is a tfjs graph model's GraphDef; absent: a layers model. */
  readonly modelFormat?: 'graph-model';
  /** A graph model's signature (input and output names), as in its model.json (since 2.2). */
  readonly signature?: Record<string, unknown>;
  readonly modelTopology: Record<string, unknown>;
  readonly payloadLength: number;
  readonly tensors: SwsTensorEntry[];
}

/** Where in the header a value failed, and why (parseSwsHeader turns it into one line). */
export class HeaderIssue extends Error {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(why);
  }
}

type Obj = Record<string, unknown>;

function at(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

function object(v: unknown, path: string, keys: readonly string[]): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HeaderIssue(path, `Expected an object, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`);
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new HeaderIssue(path, `Unrecognized key: "${k}"`);
  return v as Obj;
}

function int(v: unknown, path: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new HeaderIssue(path, `Expected an integer from 0 to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function string(v: unknown, path: string, min: number, max: number): string {
  if (typeof v !== 'string' || v.length < min || v.length > max) throw new HeaderIssue(path, `Expected a string of ${min} to ${max} characters, got ${typeof v === 'string' ? `${v.length}` : typeof v}`);
  return v;
}

function literal<T extends string>(v: unknown, path: string, options: readonly T[]): T {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) throw new HeaderIssue(path, `Expected ${options.map((o) => `"${o}"`).join(' or ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function array(v: unknown, path: string, min: number, max: number): unknown[] {
  if (!Array.isArray(v) || v.length < min || v.length > max) throw new HeaderIssue(path, `Expected an array of ${min} to ${max} items, got ${Array.isArray(v) ? v.length : typeof v}`);
  return v;
}

const U32 = 2 ** 32 - 1;

function section(v: unknown, path: string): SwsSection {
  const o = object(v, path, ['offset', 'length', 'crc32']);
  return { offset: int(o.offset, at(path, 'offset'), U32), length: int(o.length, at(path, 'length'), U32), crc32: int(o.crc32, at(path, 'crc32'), U32) };
}

function stream(v: unknown, path: string): SwsStream {
  const o = object(v, path, ['offset', 'length', 'crc32', 'count']);
  return { ...section({ offset: o.offset, length: o.length, crc32: o.crc32 }, path), count: int(o.count, at(path, 'count'), U32) };
}

function shape(v: unknown, path: string): number[] {
  return array(v, path, 0, 8).map((d, i) => int(d, at(path, i), MAX_ELEMENTS));
}

function tensor(v: unknown, path: string): SwsTensorEntry {
  const o = object(v, path, ['name', 'shape', 'encoding', 'codebook', 'coder', 'codes', 'layout', 'gaps', 'mask', 'data']);
  const name = string(o.name, at(path, 'name'), 1, 512);
  const encoding = literal(o.encoding, at(path, 'encoding'), ['shared', 'float32', 'float16', 'int32', 'bool'] as const);
  if (encoding !== 'shared') {
    object(o, path, ['name', 'shape', 'encoding', 'data']);
    return { name, shape: shape(o.shape, at(path, 'shape')), encoding, data: section(o.data, at(path, 'data')) };
  }
  const layout = literal(o.layout, at(path, 'layout'), ['escape', 'context'] as const);
  object(o, path, ['name', 'shape', 'encoding', 'codebook', 'coder', 'codes', 'layout', layout === 'escape' ? 'gaps' : 'mask']);
  const codebook = array(o.codebook, at(path, 'codebook'), 1, 256).map((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new HeaderIssue(at(at(path, 'codebook'), i), `Expected a finite number, got ${JSON.stringify(x)}`);
    return x;
  });
  const base = { name, shape: shape(o.shape, at(path, 'shape')), encoding, codebook, coder: string(o.coder, at(path, 'coder'), 1, 64), codes: stream(o.codes, at(path, 'codes')) };
  return layout === 'escape' ? { ...base, layout, gaps: stream(o.gaps, at(path, 'gaps')) } : { ...base, layout, mask: section(o.mask, at(path, 'mask')) };
}

/**
 * Check a parsed header JSON value: every field present with its type and range, no field
 * the format does not define. Throws a HeaderIssue naming the path of the first problem.
 */
export function checkSwsHeader(json: unknown): SwsHeader {
  const o = object(json, '', ['format', 'generator', 'modelFormat', 'signature', 'modelTopology', 'payloadLength', 'tensors', 'preprocessing']);
  literal(o.format, 'format', ['softshare-sws'] as const);
  const generator = string(o.generator, 'generator', 0, 200);
  const t = o.modelTopology;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new HeaderIssue('modelTopology', `Expected an object, got ${Array.isArray(t) ? 'an array' : t === null ? 'null' : typeof t}`);
  const modelTopology = t as Obj;
  const payloadLength = int(o.payloadLength, 'payloadLength', U32);
  const tensors = array(o.tensors, 'tensors', 0, MAX_TENSORS).map((t, i) => tensor(t, at('tensors', i)));
  const preprocessing = o.preprocessing === undefined ? undefined : preprocessingOf(o.preprocessing);
  const modelFormat = o.modelFormat === undefined ? undefined : literal(o.modelFormat, 'modelFormat', ['graph-model'] as const);
  if (o.signature !== undefined && (o.signature === null || typeof o.signature !== 'object' || Array.isArray(o.signature) || !modelFormat)) throw new HeaderIssue('signature', 'Expected an object, and only in a graph model');
  const signature = o.signature as Obj | undefined;
  // int32 and bool tensors are a graph model's constants; a layers model has only float weights
  if (!modelFormat) tensors.forEach((t, i) => {
    if (t.encoding === 'int32' || t.encoding === 'bool') throw new HeaderIssue(at(at('tensors', i), 'encoding'), `Expected a float encoding in a layers model, got "${t.encoding}"`);
  });
  return { format: 'softshare-sws', generator, ...(modelFormat ? { modelFormat } : {}), ...(signature ? { signature } : {}), ...(preprocessing ? { preprocessing } : {}), modelTopology, payloadLength, tensors };
}

function preprocessingOf(json: unknown): SwsPreprocessing {
  const o = object(json, 'preprocessing', ['divisor', 'mean', 'std']);
  const positive = (x: unknown, path: string): number => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw new HeaderIssue(path, `Expected a positive finite number, got ${JSON.stringify(x)}`);
    return x;
  };
  const values = (x: unknown, path: string, check: (v: unknown, p: string) => number) => array(x, path, 1, 4096).map((v, i) => check(v, at(path, i)));
  const finite = (x: unknown, path: string): number => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new HeaderIssue(path, `Expected a finite number, got ${JSON.stringify(x)}`);
    return x;
  };
  return {
    divisor: positive(o.divisor, 'preprocessing.divisor'),
    ...(o.mean === undefined ? {} : { mean: values(o.mean, 'preprocessing.mean', finite) }),
    ...(o.std === undefined ? {} : { std: values(o.std, 'preprocessing.std', positive) }),
  };
}
