import { SoftshareError, type SoftshareErrorCode } from '@softshare/core';

/** A tensor shape as a layer sees it: the batch axis first, `null` where unknown. */
export type Shape = readonly (number | null)[];

/** A weight a layer creates, in the order tfjs creates it. */
export interface ImpliedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly trainable: boolean;
  /** The layer that builds it. */
  readonly layer: string;
}

export type Dict = Record<string, unknown>;

export function fail(code: SoftshareErrorCode, message: string): never {
  throw new SoftshareError(code, 'format', message);
}

export function isDict(v: unknown): v is Dict {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** tfjs's generic_utils.toCamelCase, so keys are read exactly as tfjs will read them. */
function toCamelCase(s: string): string {
  if (s.length <= 1 || !s.includes('_')) return s;
  return s.replace(/[_]+(\w|$)/g, (_m, p1: string) => p1.toUpperCase());
}

/**
 * tfjs's convertPythonicToTs: snake_case keys and string values become camelCase, except
 * `name` strings and the layer names at index 0 of inbound nodes / input and output
 * layers. The checker reads the converted form so it sees what tfjs will build.
 */
export function pythonicToTs(value: unknown, key?: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return toCamelCase(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    return value.map((item, i) =>
      (key === 'inboundNodes' || key === 'outputLayers' || key === 'inputLayers') && i === 0 && typeof item === 'string' ? item : pythonicToTs(item, key),
    );
  }
  const out: Dict = {};
  for (const k of Object.keys(value as Dict)) {
    const v = (value as Dict)[k];
    if (k === 'name' && typeof v === 'string') out[k] = v;
    else {
      const tk = toCamelCase(k);
      out[tk] = pythonicToTs(v, tk);
    }
  }
  return out;
}

/** Activation names tfjs 4.x knows, as its config reader sees them (camelCase). */
export const ACTIVATIONS = ['elu', 'selu', 'relu', 'relu6', 'linear', 'sigmoid', 'hardSigmoid', 'softplus', 'softsign', 'tanh', 'softmax', 'logSoftmax', 'gelu', 'mish', 'swish'];

/** Input dtypes a checked model may declare. */
export const DTYPES = ['float32', 'int32'];

/** Typed reads of one layer's config, each failing with E_FORMAT_LAYER_CONFIG naming the layer. */
export class LayerConfig {
  constructor(
    readonly layer: string,
    readonly className: string,
    readonly raw: Dict,
  ) {}

  bad(what: string): never {
    fail('E_FORMAT_LAYER_CONFIG', `Expected ${what} in layer '${this.layer}' (${this.className})`);
  }

  /** The keys every layer class reads the same way, checked before the class's own. */
  common(): void {
    // tfjs reads a declared input shape on every layer (to warn on a mismatch), so it must be a shape
    if (this.has('batchInputShape')) dims(this.raw.batchInputShape, this.layer, 'batch_input_shape');
    if (this.has('inputShape')) dims(this.raw.inputShape, this.layer, 'input_shape');
    if (this.has('dtype')) this.oneOf('dtype', DTYPES as readonly string[], 'float32');
    for (const key of ['activation', 'recurrentActivation']) if (this.has(key)) this.oneOf(key, ACTIVATIONS, 'linear');
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  int(key: string, dflt: number | undefined, min = 1): number {
    const v = this.has(key) ? this.raw[key] : dflt;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.bad(`${key} to be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(key: string, dflt: boolean): boolean {
    const v = this.has(key) ? this.raw[key] : dflt;
    if (typeof v !== 'boolean') this.bad(`${key} to be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, options: readonly T[], dflt: T): T {
    const v = this.has(key) ? this.raw[key] : dflt;
    if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) this.bad(`${key} to be one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  /** An integer or a list of n integers (tfjs's normalizeArray). */
  tuple(key: string, n: number, dflt: number | readonly number[] | undefined, min = 1): number[] {
    const v = this.has(key) ? this.raw[key] : dflt;
    const list = typeof v === 'number' ? Array<number>(n).fill(v) : v;
    if (!Array.isArray(list) || list.length !== n || !list.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= min)) {
      this.bad(`${key} to be an integer >= ${min} or ${n} of them, got ${JSON.stringify(v)}`);
    }
    return list as number[];
  }
}

/** A declared shape: 1 to 8 dimensions, each a positive integer or null. */
export function dims(v: unknown, layer: string, key: string): Shape {
  if (!Array.isArray(v) || v.length === 0 || v.length > 8 || !v.every((d) => d === null || (typeof d === 'number' && Number.isSafeInteger(d) && d >= 1))) {
    fail('E_FORMAT_LAYER_CONFIG', `Expected ${key} to be a list of 1 to 8 positive integers or nulls in layer '${layer}', got ${JSON.stringify(v)}`);
  }
  return v as Shape;
}

/** Product of the known dimensions after the batch axis, or null if any is unknown. */
export function elements(shape: Shape): number | null {
  let n = 1;
  for (let i = 1; i < shape.length; i++) {
    const d = shape[i];
    if (d === null) return null;
    n *= d;
  }
  return n;
}

export function fmt(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}
