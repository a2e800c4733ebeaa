import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSoftshareError } from '@softshare/core';
import { makeBatch, splitFromTfDataset } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('splitFromTfDataset', () => {
  it('reads a batched tf.data.Dataset of { xs, ys } (labels or one-hot) into a split, in order', async () => {
    const examples = Array.from({ length: 5 }, (_, i) => ({ xs: tf.fill([2, 2, 3], i / 10), ys: tf.oneHot(i % 3, 3) }));
    const split = await splitFromTfDataset(tf.data.array(examples).batch(2) as never);
    expect([split.count, split.shape, split.divisor, Array.from(split.labels!)]).toEqual([5, [2, 2, 3], 1, [0, 1, 2, 0, 1]]);
    expect(makeBatch(split, [3], 3).x[0]).toBeCloseTo(0.3, 6);
    const plain = await splitFromTfDataset(tf.data.zip({ xs: tf.data.array([[1, 2], [3, 4]]), ys: tf.data.array([1, 0]) }).batch(2) as never);
    expect([plain.shape, Array.from(plain.inputs), Array.from(plain.labels!)]).toEqual([[2], [1, 2, 3, 4], [1, 0]]);
  });

  it('refuses an unbatched dataset or an empty one, in one coded line', async () => {
    const numbers = tf.data.zip({ xs: tf.data.array([1, 2]), ys: tf.data.array([0, 1]) });
    const error = await splitFromTfDataset(numbers as never).catch((e: unknown) => e);
    expect(isSoftshareError(error, 'E_DATA_MISMATCH') && error.message).toBe('Expected dataset elements of { xs, ys } tensors (the fitDataset convention), got an element without them');
    const unbatched = tf.data.array([{ xs: tf.scalar(1), ys: tf.scalar(0) }]);
    const scalar = await splitFromTfDataset(unbatched as never).catch((e: unknown) => e);
    expect(isSoftshareError(scalar, 'E_DATA_MISMATCH') && scalar.message).toBe('Expected xs batches of shape [batch, ...example shape], got []; batch the dataset (.batch(n))');
    const empty = await splitFromTfDataset(tf.data.array<{ xs: tf.Tensor; ys: tf.Tensor }>([]) as never).catch((e: unknown) => e);
    expect(isSoftshareError(empty, 'E_DATA_MISMATCH') && empty.message).toBe('Expected a dataset with at least one example, got none');
  });
});
