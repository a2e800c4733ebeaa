import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { weightTensors, type ModelData, type QuantizedModel } from '@softshare/core';
import { paperFormatBits } from '@softshare/entropy';
import type { EncodedSws } from '@softshare/format';
import { toArtifacts } from '@softshare/models';

/** Relative-index bits of the paper's format: 5 for dense kernels, 8 for conv kernels (Han et al.). */
export function paperIndexBits(shape: readonly number[]): number {
  return shape.length >= 4 ? 8 : 5;
}

/** Bits of the paper's storage format (Han et al.) over quantised tensors: codes, codebook and relative indices of each. */
export function paperBitsOf(tensors: readonly { codes: Uint8Array; codebook: ArrayLike<number>; shape: readonly number[] }[]): number {
  return tensors.reduce((s, t) => s + paperFormatBits(t.codes, t.codebook.length, paperIndexBits(t.shape)), 0);
}

/** 8-bit affine quantisation as tfjs-converter's --quantize_uint8 does it: 1 byte per value + min and scale per tensor. */
function affineUint8Bytes(model: ModelData): Uint8Array {
  const parts: number[] = [];
  for (const p of model.params) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of p.values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const scale = hi > lo ? (hi - lo) / 255 : 1;
    for (const v of p.values) parts.push(Math.round((v - lo) / scale));
  }
  return Uint8Array.from(parts);
}

/**
 * What a file spends, part by part, with the real file ratio first and the paper's
 * storage-format rate second (`originalBytes`: float32 bytes of every parameter).
 */
export function storageFigures(originalBytes: number, quantized: QuantizedModel, encoded: EncodedSws) {
  const fileBytes = encoded.bytes.length;
  // the paper's rate over the weights (kernels), as inspect computes it from the file
  const kernels = weightTensors(quantized);
  const weights = kernels.reduce((s, q) => s + q.codes.length, 0);
  const paperBits = paperBitsOf(kernels);
  const nonzero = encoded.tensors.filter((t) => t.encoding === 'shared' && !t.exact).reduce((s, t) => s + t.nonzero, 0);
  const sparseBytes = encoded.tensors.filter((t) => !t.exact).reduce((s, t) => s + t.positionBytes + t.codeBytes, 0);
  const sum = (k: 'positionBytes' | 'codeBytes' | 'rawBytes') => encoded.tensors.reduce((s, t) => s + t[k], 0);
  const codebookBytes = encoded.tensors.reduce((s, t) => s + 4 * t.codebookValues, 0);
  return {
    file_bytes: fileBytes,
    original_bytes: originalBytes,
    file_ratio: originalBytes / fileBytes,
    paper_format_ratio: (32 * weights) / paperBits,
    paper_format_bits: paperBits,
    bits_per_nonzero: nonzero > 0 ? (sparseBytes * 8) / nonzero : 0,
    breakdown: {
      positions: sum('positionBytes'),
      codes: sum('codeBytes'),
      codebooks_in_header: codebookBytes,
      float32_tensors: sum('rawBytes'),
      header: encoded.headerBytes,
      framing: encoded.bytes.length - encoded.headerBytes - encoded.tensors.reduce((n, t) => n + t.positionBytes + t.codeBytes + t.rawBytes, 0),
    },
    tensors: encoded.tensors,
  };
}

/**
 * Sizes of a compressed model (`storageFigures`) and baselines on the same (pretrained)
 * weights.
 */
export function accountFor(original: ModelData, quantized: QuantizedModel, encoded: EncodedSws) {
  const raw = new Uint8Array(toArtifacts(original).weightData as ArrayBuffer);
  const affine = affineUint8Bytes(original);
  const { tensors, ...storage } = storageFigures(original.params.reduce((s, p) => s + p.values.length * 4, 0), quantized, encoded);
  return {
    ...storage,
    baselines: {
      gzip9_float32_bytes: gzipSync(raw, { level: 9 }).length,
      brotli11_float32_bytes: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      affine_uint8_bytes: affine.length + 8 * original.params.length,
    },
    tensors,
  };
}
