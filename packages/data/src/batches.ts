import { Rng } from '@softshare/core';
import { exampleSize, inputArrays, type DataSplit, type InputArray } from './mnist.js';
import { normaliseInPlace } from './preprocessing.js';
import { targetSize, targetsOf } from './targets.js';

/** One minibatch, ready for tf.tensor: inputs divided by the split's divisor (pixels to [0, 1]), normalised by its mean / std when it has them, and each output's targets. */
export interface Batch {
  readonly size: number;
  /** size * (example size) floats: each input / the split's divisor (the model's first input). */
  readonly x: Float32Array;
  /** Every model input's floats, the first (`x`) first: one entry for a model with one input. */
  readonly xs: readonly Float32Array[];
  /** One per model output: size * width floats, one-hot rows for a classification target, the values for the others. */
  readonly ys: readonly Float32Array[];
}

/**
 * Example order for one epoch: a seeded shuffle of 0..count-1, cut into batches (the
 * last one may be short).
 *
 * @example
 * for (const idx of epochOrder(60000, 128, rng)) { ... }
 */
export function epochOrder(count: number, batchSize: number, rng?: Rng): Int32Array[] {
  const order = new Int32Array(count).map((_, i) => i);
  if (rng) rng.shuffle(order);
  const batches: Int32Array[] = [];
  for (let i = 0; i < count; i += batchSize) batches.push(order.subarray(i, Math.min(count, i + batchSize)));
  return batches;
}

/**
 * Gather the examples `idx` of a split into a Batch. `classes`: the one-hot width of each
 * classification target (one number for all of them; default 10, MNIST's); 0 gives the
 * class index itself as a value.
 */
/** The examples `idx` of one input array as floats: divided, then normalised. */
function gatherFloats(a: InputArray, idx: ArrayLike<number>): Float32Array {
  const px = exampleSize(a);
  const d = a.divisor;
  const n = idx.length;
  const x = new Float32Array(n * px);
  for (let b = 0; b < n; b++) {
    const i = idx[b];
    const src = a.inputs.subarray(i * px, (i + 1) * px);
    const off = b * px;
    for (let p = 0; p < px; p++) x[off + p] = src[p] / d;
  }
  normaliseInPlace(x, a);
  return x;
}

export function makeBatch(split: DataSplit, idx: ArrayLike<number>, classes: number | readonly number[] = 10): Batch {
  const n = idx.length;
  const xs = inputArrays(split).map((a) => gatherFloats(a, idx));
  const ys = targetsOf(split).map((t, k) => {
    const width = typeof classes === 'number' ? classes : classes[k];
    if (t.kind === 'classes' && width === 0) return Float32Array.from(idx, (i) => t.labels[i]); // a class index read as a value (MSE, binary cross-entropy)
    if (t.kind === 'classes') {
      const y = new Float32Array(n * width);
      for (let b = 0; b < n; b++) y[b * width + t.labels[idx[b]]] = 1;
      return y;
    }
    const w = targetSize(t);
    const y = new Float32Array(n * w);
    for (let b = 0; b < n; b++) y.set(t.values.subarray(idx[b] * w, (idx[b] + 1) * w), b * w);
    return y;
  });
  return { size: n, x: xs[0], xs, ys };
}

/** Consecutive batches over a whole split in order (for evaluation). */
export function* sequentialBatches(split: DataSplit, batchSize: number, classes: number | readonly number[] = 10): Generator<Batch> {
  for (let i = 0; i < split.count; i += batchSize) {
    const idx = new Int32Array(Math.min(batchSize, split.count - i)).map((_, k) => i + k);
    yield makeBatch(split, idx, classes);
  }
}
