import type { ParamTensor, QuantizedModel } from '@softshare/core';
import { DEFAULT_CODER_ID, encodeMask, findCoder, lzCompress, matrixShape, toEscapeStreams } from '@softshare/entropy';
import { crc32 } from './crc32.js';
import { checkGraphTopology } from './topology/check-graph.js';
import { checkTopologyWeights } from './topology/check-topology.js';
import { HEADER_DICTIONARY } from './header-dictionary.js';
import { concatBytes, fromFloat16Bytes, roundToDigits, toFloat16Bytes } from '@softshare/core';
import type { SwsHeader, SwsPreprocessing, SwsTensorEntry } from './header-schema.js';

export const SWS_MAGIC = Uint8Array.from([0x53, 0x57, 0x53, 0x4d]);
export const SWS_MAJOR = 2;
/**
 * Additions within 2.x: 1 (2026-12-03) the optional `preprocessing` header field; 2
 * (2026-12-06) graph models (`modelFormat`, `signature`, int32 and bool tensors); 3
 * (2026-12-06) the `adaptive/1` coder, the default, and arithmetic-coded streams (the
 * header's lz/1, context masks) ending in the fewest bytes. Every file is written as 2.3.
 */
export const SWS_MINOR = 3;

/** Offset of the stored header: 12 in 1.x (plain JSON), 16 in 2.x (lz/1-compressed JSON). */
export function headerStart(major: number): number {
  return major === 1 ? 12 : 16;
}

/**
 * Frame header JSON and payload as a .sws file (docs/format.md): magic, version,
 * header length(s), header, payload, CRC-32 of everything before it. From 2.0 the
 * header is stored lz/1-compressed with the preset dictionary; 1.x stores it as is.
 */
export function frameSws(headerJson: Uint8Array, payload: readonly Uint8Array[], major = SWS_MAJOR, minor = SWS_MINOR): Uint8Array {
  const stored = major === 1 ? headerJson : lzCompress(headerJson, HEADER_DICTIONARY);
  const start = headerStart(major);
  const payloadLength = payload.reduce((n, s) => n + s.length, 0);
  const out = new Uint8Array(start + stored.length + payloadLength + 4);
  const view = new DataView(out.buffer);
  out.set(SWS_MAGIC, 0);
  out[4] = major;
  out[5] = minor;
  view.setUint32(8, stored.length, true);
  if (major !== 1) view.setUint32(12, headerJson.length, true);
  out.set(stored, start);
  let at = start + stored.length;
  for (const s of payload) {
    out.set(s, at);
    at += s.length;
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

/** Shortest decimal that reads back as exactly this float32 (JSON prints doubles in full). */
export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const v = Number(f.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return f;
}

/**
 * The topology without what only training needs: null fields and the layers'
 * initializers, regularizers and constraints (tfjs falls back to defaults; the stored
 * weights replace whatever an initializer would draw).
 */
export function compactTopology(topology: unknown): unknown {
  if (Array.isArray(topology)) return topology.map(compactTopology);
  if (topology === null || typeof topology !== 'object') return topology;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(topology)) {
    if (v === null || /_(initializer|regularizer|constraint)$/.test(k)) continue;
    out[k] = compactTopology(v);
  }
  return out;
}

/** Bytes spent per tensor and part: what `inspect` and the report show. */
export interface TensorBytes {
  readonly name: string;
  readonly encoding: 'shared' | 'float32' | 'float16' | 'int32' | 'bool';
  readonly layout: 'escape' | 'context' | 'raw';
  readonly elements: number;
  readonly nonzero: number;
  readonly positionBytes: number;
  readonly codeBytes: number;
  readonly codebookValues: number;
  readonly rawBytes: number;
  /** A tensor outside the prior stored as exact shared values (its distinct values as the codebook), not a quantised one. */
  readonly exact?: boolean;
}

export interface EncodedSws {
  readonly bytes: Uint8Array;
  /** Bytes of the stored (compressed) header; the rest of the framing is headerStart + 4. */
  readonly headerBytes: number;
  readonly tensors: readonly TensorBytes[];
}

export interface EncodeSwsOptions {
  /**
   * Entropy coder id for the sparse streams (default: rans/1), or several: each tensor then
   * takes the one (with its layout) that stores it in the fewest bytes, first listed on a tie.
   */
  readonly coder?: string | readonly string[];
  /**
   * How non-zero positions are stored: 'escape' (entropy-coded gaps), 'context' (a
   * context-modelled zero mask) or 'smallest' of the two per tensor (default).
   */
  readonly layout?: 'escape' | 'context' | 'smallest';
  /**
   * How tensors outside the prior (biases, ...) are stored: 'float32' (default; the
   * decoded model equals the quantised one bit for bit) or 'float16' (half the bytes,
   * values rounded to the nearest half-precision number).
   */
  readonly others?: 'float32' | 'float16';
  /** Written into the header (default: 'softshare'). */
  readonly generator?: string;
  /** What the inputs went through in training (input / divisor, then (x - mean) / std), recorded so a reader applies the same. */
  readonly preprocessing?: SwsPreprocessing;
  /**
   * Significant decimal digits of each quantised tensor's shared values in the header
   * (1-9; default: as many as give the float32 back exactly). Fewer digits shrink the
   * header and move each shared value by up to half a unit in the last digit: lossy,
   * so choose it on validation (docs/RESULTS.md). Exact shared values (a tensor outside
   * the prior the writer stores by its distinct values) are never rounded.
   */
  readonly codebookDigits?: number;
}

/** Whether every value reads back from its float16 bytes bit for bit (-0 included). */
function isExactlyHalf(values: Float32Array, halfBytes: Uint8Array): boolean {
  const back = fromFloat16Bytes(halfBytes);
  for (let i = 0; i < values.length; i++) if (!Object.is(back[i], values[i])) return false;
  return values.length > 0;
}

/** Non-zero distinct values a tensor may have to be tried as exact shared values (codes are one byte). */
const MAX_EXACT_VALUES = 255;

/**
 * A tensor's values as an exact codebook (0, then its distinct non-zero float32 values in
 * ascending order) and codes: the decoded values equal the stored ones bit for bit.
 * Undefined for more than MAX_EXACT_VALUES distinct values, or a -0 (it would decode as +0).
 */
function exactValues(p: ParamTensor): { name: string; codes: Uint8Array; codebook: Float32Array } | undefined {
  const distinct = new Set<number>();
  for (const v of p.values) {
    if (Object.is(v, -0)) return undefined;
    if (v === 0) continue;
    distinct.add(v);
    if (distinct.size > MAX_EXACT_VALUES) return undefined;
  }
  const values = [...distinct].sort((a, b) => a - b);
  const index = new Map(values.map((v, k) => [v, k + 1]));
  return { name: p.name, codes: Uint8Array.from(p.values, (v) => (v === 0 ? 0 : index.get(v)!)), codebook: Float32Array.from([0, ...values]) };
}

/**
 * Write a quantised model as a .sws file (docs/format.md): shared tensors as sparse,
 * entropy-coded codes plus their codebook; every other tensor as float32. Deterministic:
 * the same model and options give the same bytes.
 *
 * @example
 * const { bytes } = encodeSws(quantized, { coder: 'rans/1' });
 */
export function encodeSws(model: QuantizedModel, options: EncodeSwsOptions = {}): EncodedSws {
  const coderIds = typeof options.coder === 'string' ? [options.coder] : options.coder && options.coder.length > 0 ? [...options.coder] : [DEFAULT_CODER_ID];
  if (options.codebookDigits !== undefined && !(Number.isInteger(options.codebookDigits) && options.codebookDigits >= 1 && options.codebookDigits <= 9)) {
    throw new RangeError(`Expected codebookDigits from 1 to 9, got ${options.codebookDigits}`);
  }
  const coders = coderIds.map((id) => {
    const c = findCoder(id);
    if (!c) throw new TypeError(`Expected a registered coder id, got '${id}'`);
    return { id, coder: c };
  });
  // never write a file the reader would refuse
  const graph = model.graph;
  const topology = (graph ? model.topology : compactTopology(model.topology)) as Record<string, unknown>;
  if (graph) checkGraphTopology(topology, [...model.params, ...graph.constants]);
  else checkTopologyWeights(topology, model.params, { ordered: true });
  const shared = new Map(model.quantized.map((q) => [q.name, q]));
  const sections: Uint8Array[] = [];
  let offset = 0;
  const put = (bytes: Uint8Array) => {
    const s = { offset, length: bytes.length, crc32: crc32(bytes) };
    sections.push(bytes);
    offset += bytes.length;
    return s;
  };
  const entries: SwsTensorEntry[] = [];
  const accounting: TensorBytes[] = [];
  for (const p of model.params as ParamTensor[]) {
    // a tensor outside the prior with few distinct values (a bias whose dead units are 0) is
    // stored exactly as shared values when that is smaller than float32
    const exact = shared.has(p.name) || options.others === 'float16' ? undefined : exactValues(p);
    const q = shared.get(p.name) ?? exact;
    const layout = options.layout ?? 'smallest';
    const streams = q && toEscapeStreams(q.codes);
    const maskBytes = q && layout !== 'escape' ? encodeMask(Uint8Array.from(q.codes, (c) => (c === 0 ? 0 : 1)), ...matrixShape(p.shape)) : null;
    // per coder: its codes, and its gaps unless the context mask is what this layout stores
    const stores = q
      ? coders.map((c) => {
          const codeBytes = c.coder.encode(streams!.codes, Math.max(1, q.codebook.length - 1));
          const gapBytes = layout === 'context' ? null : c.coder.encode(streams!.gaps, 256);
          const useContext = maskBytes !== null && (gapBytes === null || maskBytes.length < gapBytes.length);
          return { coderId: c.id, codeBytes, gapBytes, useContext, positionBytes: useContext ? maskBytes! : gapBytes! };
        })
      : [];
    // exact values are worth it when an estimate (codebook values about 9 header characters each before lz, the first coder's codes and positions) is under float32
    const first = stores[0];
    const worth = !exact || (exact.codebook.length - 1) * 9 + first.codeBytes.length + (layout === 'context' ? maskBytes!.length : first.gapBytes!.length) + 40 < p.values.length * 4;
    if (q && worth) {
      const { coderId, codeBytes, positionBytes, useContext } = stores.reduce((best, x) => (x.codeBytes.length + x.positionBytes.length < best.codeBytes.length + best.positionBytes.length ? x : best));
      const digits = exact ? undefined : options.codebookDigits;
      const value = digits === undefined ? shortestFloat32 : (v: number) => shortestFloat32(roundToDigits(v, digits));
      const base = { name: p.name, shape: [...p.shape], encoding: 'shared' as const, codebook: Array.from(q.codebook, value), coder: coderId };
      const position = put(positionBytes);
      const codes = { ...put(codeBytes), count: streams!.codes.length };
      entries.push(useContext ? { ...base, layout: 'context', mask: position, codes } : { ...base, layout: 'escape', gaps: { ...position, count: streams!.gaps.length }, codes });
      accounting.push({ name: p.name, encoding: 'shared', layout: useContext ? 'context' : 'escape', elements: q.codes.length, nonzero: streams!.codes.length, positionBytes: positionBytes.length, codeBytes: codeBytes.length, codebookValues: q.codebook.length, rawBytes: 0, ...(exact ? { exact: true } : {}) });
    } else {
      // float16 when asked, or when every value is a half-precision number already (what shrink leaves in a tensor that needs more than 255 values): bit-exact either way
      const halfBytes = toFloat16Bytes(p.values);
      const half = options.others === 'float16' || isExactlyHalf(p.values, halfBytes);
      const raw = half ? halfBytes : concatBytes([p.values]);
      entries.push({ name: p.name, shape: [...p.shape], encoding: half ? 'float16' : 'float32', data: put(raw) });
      accounting.push({ name: p.name, encoding: half ? 'float16' : 'float32', layout: 'raw', elements: p.values.length, nonzero: p.values.length, positionBytes: 0, codeBytes: 0, codebookValues: 0, rawBytes: raw.length });
    }
  }
  // a graph model's int32 and bool weights, stored as they are
  for (const c of graph?.constants ?? []) {
    const raw = concatBytes([c.values]);
    entries.push({ name: c.name, shape: [...c.shape], encoding: c.dtype, data: put(raw) });
    accounting.push({ name: c.name, encoding: c.dtype, layout: 'raw', elements: c.values.length, nonzero: c.values.length, positionBytes: 0, codeBytes: 0, codebookValues: 0, rawBytes: raw.length });
  }
  const header: SwsHeader = {
    format: 'softshare-sws',
    generator: options.generator ?? 'softshare',
    ...(graph ? { modelFormat: 'graph-model' as const, ...(graph.signature ? { signature: graph.signature } : {}) } : {}),
    ...(options.preprocessing ? { preprocessing: { divisor: options.preprocessing.divisor, ...(options.preprocessing.mean ? { mean: [...options.preprocessing.mean] } : {}), ...(options.preprocessing.std ? { std: [...options.preprocessing.std] } : {}) } } : {}),
    modelTopology: topology,
    payloadLength: offset,
    tensors: entries,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = frameSws(json, sections, SWS_MAJOR, SWS_MINOR);
  const headerBytes = out.length - headerStart(SWS_MAJOR) - offset - 4;
  return { bytes: out, headerBytes, tensors: accounting };
}
