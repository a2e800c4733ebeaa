import { SoftshareError } from '@softshare/core';
import type { DataSplit } from './mnist.js';

/** What softshare reads of a tf.Tensor (so this package needs no tfjs of its own). */
interface TensorLike {
  readonly shape: readonly number[];
  dataSync(): ArrayLike<number>;
}

/** What softshare reads of a tfjs `tf.data.Dataset` of `{ xs, ys }` batches (the `model.fitDataset` convention). */
export interface TfDatasetLike {
  iterator(): Promise<{ next(): Promise<{ value: { xs: TensorLike; ys: TensorLike } | undefined; done: boolean }> }>;
}

/**
 * A split from a `tf.data.Dataset` of `{ xs, ys }` batches, as `model.fitDataset` takes:
 * `xs` of shape [batch, ...example shape] (floats, used as they are), `ys` class indices
 * [batch] or one-hot rows [batch, classes]. Read once into memory.
 *
 * @example
 * const train = await splitFromTfDataset(tf.data.array(examples).batch(32));
 * const data: Dataset = { name: 'mine', train, test, numClasses: 3 };
 */
export async function splitFromTfDataset(dataset: TfDatasetLike): Promise<DataSplit> {
  const it = await dataset.iterator();
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  let shape: readonly number[] | undefined;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    const { xs, ys } = r.value ?? ({} as { xs?: TensorLike; ys?: TensorLike });
    if (typeof xs?.dataSync !== 'function' || typeof ys?.dataSync !== 'function') throw new SoftshareError('E_DATA_MISMATCH', 'data', 'Expected dataset elements of { xs, ys } tensors (the fitDataset convention), got an element without them');
    const [batch, ...example] = xs.shape;
    if (example.length === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected xs batches of shape [batch, ...example shape], got [${xs.shape.join(', ')}]; batch the dataset (.batch(n))`);
    if (shape && shape.join('x') !== example.join('x')) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected every xs batch of example shape [${shape.join(', ')}], got [${example.join(', ')}]`);
    shape = example;
    if (ys.shape[0] !== batch) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected ys with one row per example of the batch (${batch}), got shape [${ys.shape.join(', ')}]`);
    chunks.push(Float32Array.from(xs.dataSync()));
    const y = ys.dataSync();
    const width = ys.shape.length === 2 ? ys.shape[1] : 1;
    for (let i = 0; i < batch; i++) {
      let c = y[i * width];
      if (width > 1) {
        c = 0;
        for (let k = 1; k < width; k++) if (y[i * width + k] > y[i * width + c]) c = k;
      }
      if (!Number.isInteger(c) || c < 0 || c > 255) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected class labels from 0 to 255, got ${c}`);
      labels.push(c);
    }
  }
  if (!shape || labels.length === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', 'Expected a dataset with at least one example, got none');
  const inputs = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    inputs.set(c, at);
    at += c.length;
  }
  return { count: labels.length, shape, inputs, divisor: 1, labels: Uint8Array.from(labels) };
}
