import { SoftshareError } from '@softshare/core';
import type { DataSplit } from './mnist.js';
import type { Target } from './targets.js';

/** What softshare reads of a tf.Tensor (so this package needs no tfjs of its own). */
interface TensorLike {
  readonly shape: readonly number[];
  dataSync(): ArrayLike<number>;
}

/** What softshare reads of a tfjs `tf.data.Dataset` of `{ xs, ys }` batches (the `model.fitDataset` convention). */
export interface TfDatasetLike {
  iterator(): Promise<{ next(): Promise<{ value: { xs: TensorLike; ys: TensorLike | readonly TensorLike[] } | undefined; done: boolean }> }>;
}

/**
 * A split from a `tf.data.Dataset` of `{ xs, ys }` batches, as `model.fitDataset` takes:
 * `xs` of shape [batch, ...example shape] (floats, used as they are); `ys` one tensor, or
 * an array of them for a multi-output model (one per output, in the model's order). Each
 * `ys` is classes when it holds whole numbers 0..255 of shape [batch] or one-hot rows
 * [batch, classes]; anything else is a target of values (regression, multi-label). Read
 * once into memory.
 *
 * @example
 * const train = await splitFromTfDataset(tf.data.array(examples).batch(32));
 * const data: Dataset = { name: 'mine', train, test, numClasses: 3 };
 */
export async function splitFromTfDataset(dataset: TfDatasetLike): Promise<DataSplit> {
  const it = await dataset.iterator();
  const chunks: Float32Array[] = [];
  let ys: { shape: number[]; chunks: Float32Array[] }[] | undefined;
  let shape: readonly number[] | undefined;
  let count = 0;
  for (let r = await it.next(); !r.done; r = await it.next()) {
    const { xs, ys: y } = r.value ?? ({} as { xs?: TensorLike; ys?: TensorLike | readonly TensorLike[] });
    const list = Array.isArray(y) ? (y as readonly TensorLike[]) : [y as TensorLike];
    if (typeof xs?.dataSync !== 'function' || list.length === 0 || list.some((t) => typeof t?.dataSync !== 'function')) throw new SoftshareError('E_DATA_MISMATCH', 'data', 'Expected dataset elements of { xs, ys } tensors (the fitDataset convention), got an element without them');
    const [batch, ...example] = xs.shape;
    if (example.length === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected xs batches of shape [batch, ...example shape], got [${xs.shape.join(', ')}]; batch the dataset (.batch(n))`);
    if (shape && shape.join('x') !== example.join('x')) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected every xs batch of example shape [${shape.join(', ')}], got [${example.join(', ')}]`);
    shape = example;
    ys ??= list.map((t) => ({ shape: t.shape.slice(1), chunks: [] }));
    if (list.length !== ys.length) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected ${ys.length} ys tensor(s) in every element, got ${list.length}`);
    list.forEach((t, k) => {
      if (t.shape[0] !== batch) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected ys with one row per example of the batch (${batch}), got shape [${t.shape.join(', ')}]`);
      if (t.shape.slice(1).join('x') !== ys![k].shape.join('x')) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected every ys batch of one shape [batch, ${ys![k].shape.join(', ')}], got [${t.shape.join(', ')}]`);
      ys![k].chunks.push(Float32Array.from(t.dataSync()));
    });
    chunks.push(Float32Array.from(xs.dataSync()));
    count += batch;
  }
  if (!shape || !ys || count === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', 'Expected a dataset with at least one example, got none');
  const targets = ys.map((y) => targetOf(concat(y.chunks), y.shape, count));
  const base = { count, shape, inputs: concat(chunks), divisor: 1 };
  return targets.length === 1 && targets[0].kind === 'classes' ? { ...base, labels: targets[0].labels } : { ...base, targets };
}

function concat(chunks: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Classes (whole numbers 0..255 of shape [count] or [count, 1], or one-hot rows), else values. */
function targetOf(y: Float32Array, shape: readonly number[], count: number): Target {
  const width = shape.reduce((a, b) => a * b, 1);
  if (width === 1 && shape.length <= 1 && y.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) return { kind: 'classes', labels: Uint8Array.from(y) };
  if (shape.length === 1 && width > 1) {
    const labels = new Uint8Array(count);
    let oneHot = width <= 256;
    for (let i = 0; i < count && oneHot; i++) {
      let ones = 0;
      for (let k = 0; k < width; k++) {
        const v = y[i * width + k];
        if (v === 1) (ones++, (labels[i] = k));
        else if (v !== 0) oneHot = false;
      }
      if (ones !== 1) oneHot = false;
    }
    if (oneHot) return { kind: 'classes', labels };
  }
  for (const v of y) if (!Number.isFinite(v)) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected finite ys values, got ${v}`);
  return { kind: 'values', values: y, shape: shape.length === 0 ? [1] : [...shape] };
}
