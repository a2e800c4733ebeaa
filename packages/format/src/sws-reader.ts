import type * as tf from '@tensorflow/tfjs';
import { foldBatchNormalization } from './fold-batchnorm.js';
import { paramRole, SoftshareError, type QuantizedModel, type SoftshareErrorCode } from '@softshare/core';
import { decodeMask, findCoder, fromEscapeStreams, lzDecompress, matrixShape } from '@softshare/entropy';
import { crc32 } from './crc32.js';
import { concatBytes, fromFloat16Bytes } from '@softshare/core';
import { checkSwsHeader, HeaderIssue, MAX_ELEMENTS, MAX_ELEMENTS_PER_BYTE, MAX_HEADER_BYTES, type SwsHeader } from './header-schema.js';
import { HEADER_DICTIONARY } from './header-dictionary.js';
import { headerStart, SWS_MAGIC, SWS_MAJOR } from './sws-writer.js';
import { checkGraphTopology } from './topology/check-graph.js';
import { checkTopologyWeights } from './topology/check-topology.js';

/** Bytes per value of each encoding stored as is. */
const RAW_WIDTH = { float32: 4, float16: 2, int32: 4, bool: 1 } as const;

/** One decoded tensor; shared tensors keep their codes and codebook too. */
export interface DecodedTensor {
  readonly name: string;
  readonly shape: number[];
  /** The values as float32 (a graph model's int32 or bool constant too, for figures; `exact` holds it bit for bit). */
  readonly values: Float32Array;
  /** A graph model's int32 or bool constant, as stored. */
  readonly exact?: { readonly dtype: 'int32' | 'bool'; readonly values: Int32Array | Uint8Array };
  readonly codes?: Uint8Array;
  readonly codebook?: Float32Array;
}

export interface DecodedSws {
  readonly header: SwsHeader;
  readonly version: { major: number; minor: number };
  readonly tensors: readonly DecodedTensor[];
}

function fail(code: SoftshareErrorCode, message: string, cause?: unknown): never {
  throw new SoftshareError(code, 'format', message, cause === undefined ? undefined : { cause });
}

const MAX_JSON_DEPTH = 64;
/** A 2.x header may expand to at most 64 KiB + 256 x its stored size (before the 16 MiB cap). */
const MAX_HEADER_EXPANSION_BASE = 64 * 1024;
const MAX_HEADER_EXPANSION = 256;

/** Deepest [ / { nesting of JSON text, strings skipped; checked before JSON.parse and zod recurse. */
function jsonDepth(bytes: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Parse and check the framing and header of a .sws file without decoding tensors. */
export function readSwsHeader(bytes: Uint8Array): { header: SwsHeader; payload: Uint8Array; version: { major: number; minor: number } } {
  if (bytes.length < 16) fail('E_FORMAT_TRUNCATED', `Expected a .sws file of at least 16 bytes, got ${bytes.length}`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== SWS_MAGIC[i]) fail('E_FORMAT_MAGIC', 'Expected a .sws file (magic SWSM), got another kind of file');
  const major = bytes[4];
  const minor = bytes[5];
  if (major < 1 || major > SWS_MAJOR) fail('E_FORMAT_VERSION', `Expected .sws major version 1 to ${SWS_MAJOR}, got ${major} (written by a ${major > SWS_MAJOR ? 'newer' : 'different'} softshare)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = headerStart(major);
  const headerLength = view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) fail('E_FORMAT_LIMIT', `Expected a header of at most ${MAX_HEADER_BYTES} bytes, got ${headerLength}`);
  if (start + headerLength + 4 > bytes.length) fail('E_FORMAT_TRUNCATED', `Expected ${start + headerLength + 4} bytes or more for the header, got ${bytes.length}`);
  const stored = view.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored) fail('E_FORMAT_CHECKSUM', 'Expected the file checksum to match, got a mismatch: the file is corrupt or truncated');
  let headerBytes = bytes.subarray(start, start + headerLength);
  if (major >= 2) {
    const jsonLength = view.getUint32(12, true);
    const cap = Math.min(MAX_HEADER_BYTES, MAX_HEADER_EXPANSION_BASE + MAX_HEADER_EXPANSION * headerLength);
    if (jsonLength > cap) fail('E_FORMAT_LIMIT', `Expected a header JSON of at most ${cap} bytes for ${headerLength} stored bytes, got ${jsonLength}`);
    try {
      headerBytes = lzDecompress(headerBytes, jsonLength, HEADER_DICTIONARY);
    } catch (cause) {
      fail('E_FORMAT_HEADER', `Expected an lz/1-compressed header, got bytes that do not decompress: ${(cause as Error).message}`, cause);
    }
  }
  const depth = jsonDepth(headerBytes);
  if (depth > MAX_JSON_DEPTH) fail('E_FORMAT_HEADER', `Expected header JSON nested at most ${MAX_JSON_DEPTH} deep, got ${depth}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (cause) {
    fail('E_FORMAT_HEADER', `Expected a JSON header, got invalid JSON: ${(cause as Error).message}`, cause);
  }
  let header: SwsHeader;
  try {
    header = checkSwsHeader(json);
  } catch (cause) {
    if (!(cause instanceof HeaderIssue)) throw cause;
    fail('E_FORMAT_HEADER', `Expected a valid header, got ${cause.path || '(root)'}: ${cause.message}`, cause);
  }
  const payloadStart = start + headerLength;
  if (payloadStart + header.payloadLength + 4 !== bytes.length) {
    fail('E_FORMAT_TRUNCATED', `Expected a file of ${payloadStart + header.payloadLength + 4} bytes from the header, got ${bytes.length}`);
  }
  return { header, payload: bytes.subarray(payloadStart, payloadStart + header.payloadLength), version: { major, minor } };
}

function section(payload: Uint8Array, s: { offset: number; length: number; crc32: number }, what: string): Uint8Array {
  if (s.offset + s.length > payload.length) fail('E_FORMAT_LIMIT', `Expected ${what} inside the payload, got bytes ${s.offset}..${s.offset + s.length} of ${payload.length}`);
  const b = payload.subarray(s.offset, s.offset + s.length);
  if (crc32(b) !== s.crc32) fail('E_FORMAT_CHECKSUM', `Expected the checksum of ${what} to match, got a mismatch`);
  return b;
}

/**
 * Decode a .sws file: every check in docs/format.md happens before the tensor it guards
 * is allocated, and the topology is checked against the tensor table before anything is
 * returned (so `swsIO` never hands tfjs a graph it cannot build). Throws SoftshareError
 * with an E_FORMAT_* code on any problem.
 *
 * @example
 * const { tensors } = decodeSws(new Uint8Array(await (await fetch('model.sws')).arrayBuffer()));
 */
export function decodeSws(bytes: Uint8Array): DecodedSws {
  const { header, payload, version } = readSwsHeader(bytes);
  let total = 0;
  const cap = Math.min(MAX_ELEMENTS, 2 ** 20 + MAX_ELEMENTS_PER_BYTE * bytes.length);
  for (const t of header.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    total += n;
    if (n > cap || total > cap) fail('E_FORMAT_LIMIT', `Expected at most ${cap} elements in all for a file of ${bytes.length} bytes, got more at ${t.name}`);
  }
  const tensors: DecodedTensor[] = header.tensors.map((t) => {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.encoding !== 'shared') {
      const width = RAW_WIDTH[t.encoding];
      const b = section(payload, t.data, `${t.name} data`);
      if (b.length !== n * width) fail('E_FORMAT_DATA', `Expected ${n * width} bytes for ${t.name} [${t.shape.join(', ')}], got ${b.length}`);
      // a graph model's int32 and bool constants, kept exactly (copy: b may be a view into a larger Buffer pool)
      if (t.encoding === 'int32' || t.encoding === 'bool') {
        const exact = t.encoding === 'int32' ? new Int32Array(new Uint8Array(b).buffer) : Uint8Array.from(b, (x) => (x ? 1 : 0));
        return { name: t.name, shape: t.shape, values: Float32Array.from(exact), exact: { dtype: t.encoding, values: exact } };
      }
      const values = t.encoding === 'float32' ? new Float32Array(new Uint8Array(b).buffer) : fromFloat16Bytes(b);
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i])) fail('E_FORMAT_DATA', `Expected finite weights in ${t.name}, got ${values[i]} at ${i}`);
      }
      return { name: t.name, shape: t.shape, values };
    }
    const codebook = Float32Array.from(t.codebook);
    if (codebook[0] !== 0 || !codebook.every(Number.isFinite)) fail('E_FORMAT_HEADER', `Expected a float32 codebook starting with 0 for ${t.name}, got another`);
    const positionCount = t.layout === 'escape' ? t.gaps.count : 0;
    if (t.codes.count > n || positionCount > n + 1) fail('E_FORMAT_DATA', `Expected at most ${n} symbols for ${t.name}, got ${Math.max(t.codes.count, positionCount)}`);
    const coder = findCoder(t.coder);
    if (!coder) fail('E_FORMAT_CODER', `Expected a registered coder, got '${t.coder}' for ${t.name}`);
    const positionBytes = section(payload, t.layout === 'escape' ? t.gaps : t.mask, `${t.name} positions`);
    const codeBytes = section(payload, t.codes, `${t.name} codes`);
    let codes: Uint8Array;
    try {
      const cs = coder.decode(codeBytes, t.codes.count, Math.max(1, t.codebook.length - 1));
      if (t.layout === 'escape') {
        codes = fromEscapeStreams({ gaps: coder.decode(positionBytes, t.gaps.count, 256), codes: cs }, n);
      } else {
        const [rows, cols] = matrixShape(t.shape);
        const mask = decodeMask(positionBytes, rows, cols);
        codes = new Uint8Array(n);
        let k = 0;
        for (let i = 0; i < n; i++) {
          if (!mask[i]) continue;
          if (k >= cs.length) throw new RangeError(`Expected ${cs.length} non-zero positions, got more`);
          codes[i] = cs[k++] + 1;
        }
        if (k !== cs.length) throw new RangeError(`Expected ${cs.length} non-zero positions, got ${k}`);
      }
    } catch (cause) {
      if (cause instanceof SoftshareError) throw cause;
      fail('E_FORMAT_DATA', `Expected decodable streams for ${t.name}, got: ${(cause as Error).message}`, cause);
    }
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (codes[i] >= codebook.length) fail('E_FORMAT_DATA', `Expected codes inside the codebook of ${t.name}, got ${codes[i]}`);
      values[i] = codebook[codes[i]];
    }
    return { name: t.name, shape: t.shape, values, codes, codebook };
  });
  // before tfjs sees it: a topology tfjs would loop on, or one the tensor table does not fit, is refused here
  if (header.modelFormat === 'graph-model') checkGraphTopology(header.modelTopology, header.tensors);
  else checkTopologyWeights(header.modelTopology, header.tensors, { ordered: true });
  return { header, version, tensors };
}

/**
 * The quantised model a .sws file holds, ready for encodeSws (re-encoding with another
 * coder or layout) or the tune stage: shared tensors come back with their codebooks and
 * codes (role 'kernel', core's `paramRole`), biases and the others as stored (roles 'bias',
 * 'other'; one stored on shared values is a plain tensor again). The file keeps no mixture,
 * so the model has none.
 */
export function swsToQuantized(bytes: Uint8Array): QuantizedModel {
  const { header, tensors: all } = decodeSws(bytes);
  const tensors = all.filter((t) => !t.exact);
  const graph = header.modelFormat === 'graph-model' ? { constants: all.flatMap((t) => (t.exact ? [{ name: t.name, shape: t.shape, dtype: t.exact.dtype, values: t.exact.values }] : [])), ...(header.signature ? { signature: header.signature } : {}) } : undefined;
  return {
    kind: 'quantized',
    topology: header.modelTopology,
    diagnostics: [],
    ...(graph ? { graph } : {}),
    params: tensors.map((t) => ({ name: t.name, shape: t.shape, role: paramRole(t.name, t.shape, graph !== undefined), values: t.values })),
    // a bias or other vector stored as shared values (exact, or by the storage step) is not a quantised weight: a plain tensor again
    quantized: tensors.flatMap((t) => (t.codes && t.codebook && paramRole(t.name, t.shape, graph !== undefined) === 'kernel' ? [{ name: t.name, shape: t.shape, codebook: t.codebook, codes: t.codes }] : [])),
  };
}

/**
 * The topology as tfjs gets it from a .sws: initializers, regularizers, constraints and
 * initial `weights` are left out (the file carries the weights, the writer stores none of
 * these), so nothing reaches tfjs's constructors that the checker has not read.
 */
function forTfjs(topology: unknown): unknown {
  if (Array.isArray(topology)) return topology.map(forTfjs);
  if (topology === null || typeof topology !== 'object') return topology;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(topology)) {
    if (k === 'weights' || /(_i|I)nitializer$|(_r|R)egularizer$|(_c|C)onstraint$/.test(k)) continue;
    out[k] = forTfjs(v);
  }
  return out;
}

/** tfjs ModelArtifacts for a graph model's .sws: its GraphDef, signature and weights (float32, int32, bool) in one buffer. */
function graphToArtifacts(header: SwsHeader, tensors: readonly DecodedTensor[]): tf.io.ModelArtifacts {
  const weights = concatBytes(tensors.map((t) => (t.exact ? t.exact.values : t.values)));
  return {
    modelTopology: header.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    format: 'graph-model',
    generatedBy: header.generator,
    convertedBy: 'softshare .sws',
    ...(header.signature ? { signature: header.signature } : {}),
    ...(header.preprocessing ? { userDefinedMetadata: { softshare: { preprocessing: header.preprocessing } } } : {}),
    weightSpecs: tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.exact ? t.exact.dtype : ('float32' as const) })),
    weightData: weights.buffer,
  } as tf.io.ModelArtifacts;
}

/** How a .sws is handed to tfjs. */
export interface SwsLoadOptions {
  /**
   * Fold each BatchNormalization into the linear layer before it (Conv1D, Conv2D,
   * DepthwiseConv2D, SeparableConv2D, Dense) where that is exact but for float32 rounding:
   * one layer less at inference (`foldBatchNormalization`). Default false: the model as
   * it was trained. Layers models only.
   */
  readonly foldBatchNorm?: boolean;
}

/**
 * tfjs ModelArtifacts for a .sws file: topology plus one weight buffer. A layers model's
 * load with tf.loadLayersModel, a graph model's (`format: 'graph-model'`) with tf.loadGraphModel.
 */
export function swsToArtifacts(bytes: Uint8Array, options: SwsLoadOptions = {}): tf.io.ModelArtifacts {
  const { header, tensors } = decodeSws(bytes);
  if (header.modelFormat === 'graph-model') return graphToArtifacts(header, tensors);
  const total = tensors.reduce((n, t) => n + t.values.length, 0);
  const weights = new Float32Array(total);
  let at = 0;
  for (const t of tensors) {
    weights.set(t.values, at);
    at += t.values.length;
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: forTfjs(header.modelTopology) as tf.io.ModelArtifacts['modelTopology'],
    format: 'layers-model',
    generatedBy: header.generator,
    convertedBy: 'softshare .sws',
    // model.getUserDefinedMetadata() gives what the inputs went through in training
    ...(header.preprocessing ? { userDefinedMetadata: { softshare: { preprocessing: header.preprocessing } } } : {}),
    weightSpecs: tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: 'float32' as const })),
    weightData: weights.buffer,
  };
  return options.foldBatchNorm ? foldBatchNormalization(artifacts).artifacts : artifacts;
}

/**
 * A tfjs IOHandler that loads a model from .sws bytes: works in Node and in browsers
 * (no fs). Pass the bytes you fetched or read.
 *
 * @example
 * const model = await tf.loadLayersModel(swsIO(bytes));
 * const graph = await tf.loadGraphModel(swsIO(graphBytes)); // a graph model's .sws
 */
export function swsIO(bytes: Uint8Array | ArrayBuffer, options: SwsLoadOptions = {}): tf.io.IOHandler {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return { load: async () => swsToArtifacts(view, options) };
}
