import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { errorLine } from '@softshare/core';
import { loadData, loadNpyFolder, makeBatch } from './index.js';

/** A folder of .npy files as np.save writes them. */
function folder(files: Record<string, ArrayBuffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-npy-'));
  for (const [name, buf] of Object.entries(files)) writeFileSync(join(dir, name), new Uint8Array(buf));
  return dir;
}

describe('NumPy dataset folders', () => {
  it('reads uint8 images of any shape with int64 labels, and float inputs with one-hot labels', () => {
    const rgb = folder({
      'x_train.npy': dump(Uint8Array.from({ length: 4 * 2 * 2 * 3 }, (_, i) => i), [4, 2, 2, 3]),
      'y_train.npy': dump(new BigInt64Array([0n, 1n, 2n, 1n]), [4]),
      'x_test.npy': dump(new Uint8Array(2 * 12), [2, 2, 2, 3]),
      'y_test.npy': dump(new BigInt64Array([2n, 0n]), [2]),
    });
    const d = loadData(rgb);
    expect([d.train.count, d.train.shape, d.train.divisor, Array.from(d.train.labels!), d.numClasses]).toEqual([4, [2, 2, 3], 255, [0, 1, 2, 1], 3]);
    expect(makeBatch(d.train, [1], d.numClasses).x[0]).toBeCloseTo(12 / 255, 6);

    const tabular = folder({
      'x_train.npy': dump(Float32Array.of(0.5, -1, 2, 3), [2, 2]),
      'y_train.npy': dump(Float32Array.of(0, 1, 0, 0, 1, 0, 0, 0), [2, 4]),
      'x_test.npy': dump(Float64Array.of(1, 2), [1, 2]),
      'y_test.npy': dump(Float32Array.of(0, 0, 1, 0), [1, 4]),
    });
    const t = loadNpyFolder(tabular);
    expect([t.train.shape, t.train.divisor, Array.from(t.train.inputs), Array.from(t.train.labels!), Array.from(t.test.labels!), t.numClasses]).toEqual([[2], 1, [0.5, -1, 2, 3], [1, 0], [2], 4]);
    expect(t.test.inputs).toBeInstanceOf(Float32Array);
  });

  it('refuses what it cannot use in one coded line', () => {
    const ok = { 'x_test.npy': dump(new Uint8Array(4), [1, 2, 2]), 'y_test.npy': dump(new Int32Array([0]), [1]) };
    expect(errorLine(() => loadData(folder({ ...ok, 'x_train.npy': dump(new Uint8Array(8), [2, 2, 2]), 'y_train.npy': dump(new Int32Array([0, 1, 1]), [3]) })))).toBe(
      'E_DATA_MISMATCH: y_train.npy: expected as many targets as x_train.npy has examples (2), got 3',
    );
    expect(errorLine(() => loadData(folder({ ...ok, 'x_train.npy': dump(new Int32Array(8), [2, 2, 2]), 'y_train.npy': dump(new Int32Array([0, 1]), [2]) })))).toBe(
      'E_DATA_MISMATCH: x_train.npy: expected uint8 or float inputs, got dtype i4; convert with x.astype(np.float32)',
    );
    expect(errorLine(() => loadData(folder({ ...ok, 'x_train.npy': dump(new Uint8Array(8), [2, 2, 2]), 'y_train.npy': dump(new Int32Array([0, 300]), [2]) })))).toBe(
      'E_DATA_MISMATCH: y_train.npy: expected class labels from 0 to 255, got 300',
    );
    expect(errorLine(() => loadData(folder({ 'x_train.npy': dump(new Uint8Array(8), [2, 2, 2]) })))).toMatch(/^E_DATA_NOT_FOUND: Expected y_train.npy in the NumPy dataset folder .*, got no such file$/);
    expect(errorLine(() => loadData(folder({ 'notes.txt': new ArrayBuffer(1) })))).toMatch(/^E_DATA_NOT_FOUND: Expected a dataset folder with the four MNIST IDX files .* NumPy files \(x_train.npy, y_train.npy, x_test.npy, y_test.npy\), image class folders .* or train.csv and test.csv, got .* with none of them$/);
  });
});
