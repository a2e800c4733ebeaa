import { Rng } from '@softshare/core';
import { exampleSize, type DataSplit } from './mnist.js';
import { normaliseInPlace } from './preprocessing.js';

/** One minibatch, ready for tf.tensor: inputs divided by the split's divisor (pixels to [0, 1]), normalised by its mean / std when it has them, and one-hot labels. */
export interface Batch {
  readonly size: number;
  /** size * (example size) floats: each input / the split's divisor. */
  readonly x: Float32Array;
  /** size * numClasses floats, one-hot. */
  readonly y: Float32Array;
  readonly labels: Uint8Array;
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

/** Gather the examples `idx` of a split into a Batch. */
export function makeBatch(split: DataSplit, idx: ArrayLike<number>, numClasses = 10): Batch {
  const px = exampleSize(split);
  const d = split.divisor;
  const n = idx.length;
  const x = new Float32Array(n * px);
  const y = new Float32Array(n * numClasses);
  const labels = new Uint8Array(n);
  for (let b = 0; b < n; b++) {
    const i = idx[b];
    const src = split.inputs.subarray(i * px, (i + 1) * px);
    const off = b * px;
    for (let p = 0; p < px; p++) x[off + p] = src[p] / d;
    labels[b] = split.labels[i];
    y[b * numClasses + labels[b]] = 1;
  }
  normaliseInPlace(x, split);
  return { size: n, x, y, labels };
}

/** Consecutive batches over a whole split in order (for evaluation). */
export function* sequentialBatches(split: DataSplit, batchSize: number, numClasses = 10): Generator<Batch> {
  for (let i = 0; i < split.count; i += batchSize) {
    const idx = new Int32Array(Math.min(batchSize, split.count - i)).map((_, k) => i + k);
    yield makeBatch(split, idx, numClasses);
  }
}
