import { fitCodebook } from '@softshare/core';

/**
 * Masks keeping the `k` weights of lowest log-alpha over all tensors together (ties go to
 * the earlier tensor, then the earlier position): 1 = kept.
 *
 * @example
 * keepLowest([Float32Array.of(3, -1), Float32Array.of(0)], 2) // [[0, 1], [1]]
 */
export function keepLowest(logAlphas: readonly Float32Array[], k: number): Uint8Array[] {
  const all: [number, number, number][] = [];
  logAlphas.forEach((a, t) => a.forEach((v, i) => all.push([v, t, i])));
  all.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  const keep = logAlphas.map((a) => new Uint8Array(a.length));
  for (let j = 0; j < Math.min(k, all.length); j++) keep[all[j][1]][all[j][2]] = 1;
  return keep;
}

/**
 * A tensor's kept weights as `values` shared non-zero values (or as many as there are
 * weights kept): 1-D k-means started at the quantiles of the kept weights, then every kept
 * weight takes its nearest value. Code 0 is the value 0 (a dropped weight).
 */
export function shareValues(w: Float32Array, keep: Uint8Array, values: number): { codebook: Float32Array; codes: Uint8Array } {
  const kept = Float64Array.from(w.filter((_, i) => keep[i] === 1)).sort();
  const m = Math.min(values, kept.length);
  const start = Float32Array.from({ length: m + 1 }, (_, j) => (j === 0 ? 0 : kept[Math.floor(((j - 0.5) * kept.length) / m)]));
  return fitCodebook(w, keep, start, 100);
}
