import { fitCodebook, type QuantizedTensor } from '@softshare/core';

/**
 * A tensor outside the prior (a bias) on at most `values` shared non-zero values: its
 * zeros stay exactly 0 (code 0; dead units), its non-zeros are clustered by Lloyd's 1-D
 * k-means from evenly spaced quantiles (deterministic), each taking its cluster's float32
 * mean. A tensor with no more than `values` distinct non-zeros keeps them exactly.
 *
 * @example
 * const q = quantizeValues('fc1/bias', [500], bias, 16);
 */
export function quantizeValues(name: string, shape: readonly number[], w: Float32Array, values: number): QuantizedTensor {
  if (!(Number.isInteger(values) && values >= 1 && values <= 255)) throw new RangeError(`Expected 1..255 shared values, got ${values}`);
  const live = Uint8Array.from(w, (v) => (v !== 0 ? 1 : 0));
  const nonzero = Float32Array.from(w.filter((v) => v !== 0)).sort();
  const distinct = [...new Set(nonzero)];
  let start: number[];
  if (distinct.length <= values) start = distinct;
  else start = [...new Set(Array.from({ length: values }, (_, k) => nonzero[Math.min(nonzero.length - 1, Math.floor(((k + 0.5) * nonzero.length) / values))]))];
  const { codes, codebook } = fitCodebook(w, live, Float32Array.from([0, ...start]), distinct.length <= values ? 0 : 100);
  return { name, shape: [...shape], codes, codebook };
}
