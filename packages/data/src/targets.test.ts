import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { errorLine } from '@softshare/core';
import { carveValidation, loadData, makeBatch, splitFromTfDataset, takeFirst, targetsOf, type TfDatasetLike } from './index.js';

function folder(files: Record<string, ArrayBuffer | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'softshare-targets-'));
  for (const [name, v] of Object.entries(files)) writeFileSync(join(dir, name), typeof v === 'string' ? v : new Uint8Array(v));
  return dir;
}

const tensor = (values: number[], shape: number[]) => ({ shape, dataSync: () => Float32Array.from(values) });

describe('targets other than one class per example', () => {
  it('CSV: a `target` column, or a last column holding a fraction, is a regression value', () => {
    const named = loadData(folder({ 'train.csv': 'a,target,b\n1,3,2\n4,5,6\n', 'test.csv': 'a,target,b\n0,1,0\n' }));
    expect([named.numClasses, named.train.labels, targetsOf(named.train)]).toEqual([undefined, undefined, [{ kind: 'values', values: Float32Array.of(3, 5), shape: [1] }]]);
    expect(Array.from(named.train.inputs)).toEqual([1, 2, 4, 6]);
    const last = loadData(folder({ 'train.csv': 'a,y\n1,0.25\n2,3\n', 'test.csv': 'a,y\n1,1\n' }));
    expect(targetsOf(last.test)).toEqual([{ kind: 'values', values: Float32Array.of(1), shape: [1] }]);
    expect(errorLine(() => loadData(folder({ 'train.csv': 'a,target\n1,x\n', 'test.csv': 'a,target\n1,1\n' })))).toBe('E_DATA_MISMATCH: train.csv row 2, column "target": expected a number (the regression target), got "x"');
  });

  it('.npy: float targets of any shape are values; one-hot rows and integers are classes; a manifest lists one file per output', () => {
    const dir = folder({
      'x_train.npy': dump(Float32Array.of(1, 2, 3, 4, 5, 6), [3, 2]),
      'y_train.npy': dump(Float32Array.of(0.5, 1, -2, 0, 3, 1), [3, 2]),
      'x_test.npy': dump(Float32Array.of(1, 1), [1, 2]),
      'y_test.npy': dump(Float32Array.of(1, 0.5), [1, 2]),
      'c_train.npy': dump(new BigInt64Array([0n, 2n, 1n]), [3]),
      'c_test.npy': dump(new BigInt64Array([1n]), [1]),
      'h_test.npy': dump(Float32Array.of(1, 0), [1, 2]),
      'two.json': JSON.stringify({ train: { inputs: 'x_train.npy', labels: ['c_train.npy', 'y_train.npy'] }, test: { inputs: 'x_test.npy', labels: ['c_test.npy', 'y_test.npy'] } }),
      'mixed.json': JSON.stringify({ train: { inputs: 'x_train.npy', labels: 'y_train.npy' }, test: { inputs: 'x_test.npy', labels: 'h_test.npy' } }),
      'a.idx': 'not read',
      'idx.json': JSON.stringify({ train: { inputs: 'a.idx', labels: ['c_train.npy'] }, test: { inputs: 'x_test.npy', labels: 'y_test.npy' } }),
    });
    const one = loadData(dir);
    expect([one.numClasses, one.train.labels, targetsOf(one.train)]).toEqual([undefined, undefined, [{ kind: 'values', values: Float32Array.of(0.5, 1, -2, 0, 3, 1), shape: [2] }]]);
    const two = loadData(join(dir, 'two.json'));
    expect(targetsOf(two.train).map((t) => t.kind)).toEqual(['classes', 'values']);
    expect(two.numClasses).toBe(3);
    // batches: one-hot rows for the classes (3 wide), the values as they are
    const b = makeBatch(two.train, [2, 0], [3, 0]);
    expect(b.ys.map((y) => Array.from(y))).toEqual([[0, 1, 0, 1, 0, 0], [3, 1, 0.5, 1]]);
    // a validation split and a prefix keep every target with its example
    const v = carveValidation(two, 1, 3);
    const [cls, val] = targetsOf(v.validation!);
    const k = Array.from(two.train.inputs).indexOf(v.validation!.inputs[0]) / 2;
    expect([cls.kind === 'classes' && cls.labels[0], val.kind === 'values' && Array.from(val.values)]).toEqual([[0, 2, 1][k], [[0.5, 1], [-2, 0], [3, 1]][k]]);
    expect(targetsOf(takeFirst(two.train, 1)).map((t) => (t.kind === 'classes' ? Array.from(t.labels) : Array.from(t.values)))).toEqual([[0], [0.5, 1]]);
    expect(errorLine(() => loadData(join(dir, 'mixed.json')))).toBe('E_DATA_MISMATCH: Expected train and test targets of one kind, got values [2] and classes');
    expect(errorLine(() => loadData(join(dir, 'idx.json')))).toBe('E_DATA_MISMATCH: train: expected .npy inputs with a list of .npy label files, got a.idx');
  });

  it('a tf.data.Dataset: ys of values, or a list of ys for several outputs', async () => {
    const ds = (elements: { xs: ReturnType<typeof tensor>; ys: unknown }[]): TfDatasetLike => ({
      iterator: async () => {
        let i = 0;
        return { next: async () => (i < elements.length ? { value: elements[i++] as never, done: false } : { value: undefined, done: true }) };
      },
    });
    const reg = await splitFromTfDataset(ds([{ xs: tensor([1, 2, 3, 4], [2, 2]), ys: tensor([0.5, 1.5], [2, 1]) }]));
    expect(targetsOf(reg)).toEqual([{ kind: 'values', values: Float32Array.of(0.5, 1.5), shape: [1] }]);
    const multi = await splitFromTfDataset(ds([{ xs: tensor([1, 2, 3, 4], [2, 2]), ys: [tensor([2, 0], [2]), tensor([0.1, 0.2, 0.3, 0.4], [2, 2])] }]));
    expect(targetsOf(multi).map((t) => t.kind)).toEqual(['classes', 'values']);
    expect(await splitFromTfDataset(ds([{ xs: tensor([1, 2], [1, 2]), ys: [tensor([1], [1]), tensor([1], [1])] }, { xs: tensor([1, 2], [1, 2]), ys: tensor([1], [1]) }])).catch((e: Error) => e.message)).toBe('Expected 2 ys tensor(s) in every element, got 1');
  });
});
