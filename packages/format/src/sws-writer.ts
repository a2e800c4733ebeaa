import type { ParamTensor, QuantizedModel } from '@softshare/core';
import { DEFAULT_CODER_ID, findCoder, toEscapeStreams } from '@softshare/entropy';
import { crc32 } from './crc32.js';
import type { SwsHeader, SwsTensorEntry } from './header-schema.js';

export const SWS_MAGIC = Uint8Array.from([0x53, 0x57, 0x53, 0x4d]);
export const SWS_MAJOR = 1;
export const SWS_MINOR = 0;

/** Bytes spent per tensor and part: what `inspect` and the report show. */
export interface TensorBytes {
  readonly name: string;
  readonly encoding: 'shared' | 'float32';
  readonly elements: number;
  readonly nonzero: number;
  readonly positionBytes: number;
  readonly codeBytes: number;
  readonly codebookValues: number;
  readonly rawBytes: number;
}

export interface EncodedSws {
  readonly bytes: Uint8Array;
  readonly headerBytes: number;
  readonly tensors: readonly TensorBytes[];
}

export interface EncodeSwsOptions {
  /** Entropy coder id for the sparse streams (default: rans/1). */
  readonly coder?: string;
  /** Written into the header (default: 'softshare'). */
  readonly generator?: string;
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
  const coderId = options.coder ?? DEFAULT_CODER_ID;
  const coder = findCoder(coderId);
  if (!coder) throw new TypeError(`Expected a registered coder id, got '${coderId}'`);
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
    const q = shared.get(p.name);
    if (q) {
      const streams = toEscapeStreams(q.codes);
      const gapBytes = coder.encode(streams.gaps, 256);
      const codeBytes = coder.encode(streams.codes, Math.max(1, q.codebook.length - 1));
      entries.push({
        name: p.name,
        shape: [...p.shape],
        encoding: 'shared',
        codebook: Array.from(q.codebook),
        layout: 'escape',
        coder: coderId,
        gaps: { ...put(gapBytes), count: streams.gaps.length },
        codes: { ...put(codeBytes), count: streams.codes.length },
      });
      accounting.push({ name: p.name, encoding: 'shared', elements: q.codes.length, nonzero: streams.codes.length, positionBytes: gapBytes.length, codeBytes: codeBytes.length, codebookValues: q.codebook.length, rawBytes: 0 });
    } else {
      const raw = new Uint8Array(p.values.buffer.slice(p.values.byteOffset, p.values.byteOffset + p.values.byteLength));
      entries.push({ name: p.name, shape: [...p.shape], encoding: 'float32', data: put(raw) });
      accounting.push({ name: p.name, encoding: 'float32', elements: p.values.length, nonzero: p.values.length, positionBytes: 0, codeBytes: 0, codebookValues: 0, rawBytes: raw.length });
    }
  }
  const header: SwsHeader = {
    format: 'softshare-sws',
    generator: options.generator ?? 'softshare',
    modelTopology: model.topology as Record<string, unknown>,
    payloadLength: offset,
    tensors: entries,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const total = 12 + headerBytes.length + offset + 4;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(SWS_MAGIC, 0);
  out[4] = SWS_MAJOR;
  out[5] = SWS_MINOR;
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  let at = 12 + headerBytes.length;
  for (const s of sections) {
    out.set(s, at);
    at += s.length;
  }
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return { bytes: out, headerBytes: headerBytes.length, tensors: accounting };
}
