import type { Mixture, QuantizedTensor } from '@softshare/core';
import { assignComponents } from '@softshare/prior';

/**
 * Replace every weight by the mean of its most responsible component; the zero
 * component's weights become exactly 0. Returns the per-tensor codebook (value 0 at code
 * 0, then the used means in ascending order, as float32) and the codes.
 *
 * @example
 * const q = quantizeTensor('fc1/kernel', [784, 300], kernel, mixture, 'map');
 */
export function quantizeTensor(
  name: string,
  shape: readonly number[],
  values: Float32Array,
  mixture: Mixture,
  rule: 'map' | 'ml',
): QuantizedTensor {
  const comps = assignComponents(mixture, values, rule);
  const J = mixture.means.length;
  const used = new Uint8Array(J);
  for (const c of comps) used[c] = 1;
  const nonZero = [...Array(J).keys()].filter((j) => j !== 0 && used[j]).sort((x, y) => mixture.means[x] - mixture.means[y]);
  // distinct float32 values only: two components may round to one float32
  const values32: number[] = [0];
  const codeOf = new Uint8Array(J);
  for (const j of nonZero) {
    const v = Math.fround(mixture.means[j]);
    if (v === 0) continue;
    if (values32[values32.length - 1] !== v) values32.push(v);
    codeOf[j] = values32.length - 1;
  }
  const codes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = codeOf[comps[i]];
  return { name, shape: [...shape], codebook: Float32Array.from(values32), codes };
}
