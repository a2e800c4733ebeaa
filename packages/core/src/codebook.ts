import type { QuantizedModel, QuantizedTensor } from './artefacts.js';

/**
 * The tensor with code 0 wherever `values` is 0 (weights zeroed after quantisation) and
 * its codebook cut to the values still used, in the same order.
 */
export function compactCodebook(q: QuantizedTensor, values: Float32Array): QuantizedTensor {
  const used = new Uint8Array(q.codebook.length);
  used[0] = 1;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) used[q.codes[i]] = 1;
  const newCode = new Uint8Array(q.codebook.length);
  const kept: number[] = [];
  for (let c = 0; c < q.codebook.length; c++) {
    if (!used[c]) continue;
    newCode[c] = kept.length;
    kept.push(q.codebook[c]);
  }
  const codes = new Uint8Array(q.codes.length);
  for (let i = 0; i < codes.length; i++) codes[i] = values[i] === 0 ? 0 : newCode[q.codes[i]];
  return { ...q, codebook: Float32Array.from(kept), codes };
}

/** The float32 values a quantised tensor stands for. */
export function dequantize(q: QuantizedTensor): Float32Array {
  const out = new Float32Array(q.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = q.codebook[q.codes[i]];
  return out;
}

/** Index (>= 1) of the non-zero entry of `codebook` nearest to `w`; ties go to the lower index. */
export function nearestNonZeroCode(codebook: ArrayLike<number>, w: number): number {
  let best = 1;
  for (let k = 2; k < codebook.length; k++) if (Math.abs(codebook[k] - w) < Math.abs(codebook[best] - w)) best = k;
  return best;
}

/**
 * Codes of float weights on a codebook (codebook[0] = 0): 0 where `live[i]` is 0, else the
 * nearest non-zero entry. With `iterations` > 0, Lloyd's 1-D k-means moves each non-zero
 * entry (in place) to the float32 mean of the weights it holds (an entry holding none, or
 * whose mean would be 0, keeps its value) until the codes stop changing or the iterations
 * run out.
 *
 * @example
 * const { codes } = fitCodebook([0.1, -0.2, 0], Uint8Array.of(1, 1, 0), Float32Array.of(0, -0.1, 0.1), 100);
 */
export function fitCodebook(w: ArrayLike<number>, live: Uint8Array, codebook: Float32Array, iterations: number): { codes: Uint8Array; codebook: Float32Array } {
  const assign = () => Uint8Array.from(live, (l, i) => (l ? nearestNonZeroCode(codebook, w[i]) : 0));
  let codes = assign();
  for (let iter = 0; iter < iterations; iter++) {
    const sum = new Float64Array(codebook.length);
    const count = new Float64Array(codebook.length);
    for (let i = 0; i < codes.length; i++) if (codes[i] !== 0) { sum[codes[i]] += w[i]; count[codes[i]]++; }
    for (let k = 1; k < codebook.length; k++) {
      const mean = Math.fround(sum[k] / count[k]);
      if (count[k] > 0 && mean !== 0) codebook[k] = mean;
    }
    const next = assign();
    if (next.every((c, i) => c === codes[i])) break;
    codes = next;
  }
  return { codes, codebook };
}

/**
 * The quantised tensors that count as the model's weights in a non-zero share: kernels
 * (role 'kernel'); biases and other vectors a storage option put on shared values are not.
 */
export function weightTensors(model: Pick<QuantizedModel, 'params' | 'quantized'>): QuantizedTensor[] {
  const kernels = new Set(model.params.filter((p) => p.role === 'kernel').map((p) => p.name));
  return model.quantized.filter((q) => kernels.has(q.name));
}

/**
 * A shared value to `digits` significant decimal digits, as the float32 nearest to that
 * decimal (0 stays 0): fewer digits for a codebook in a file's header, lossy.
 */
export function roundToDigits(v: number, digits: number): number {
  return v === 0 ? 0 : Math.fround(Number(Math.fround(v).toPrecision(digits)));
}
