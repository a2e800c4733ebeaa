import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorLine } from '@softshare/core';
import { dump } from 'npyjs';
import { carveValidation, encodeIdx, loadData, makeBatch, preprocessingOf, takeFirst } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'softshare-manifest-'));
mkdirSync(join(dir, 'files'));
// 12 classes of 4x4 single-channel "images", under names of the user's choosing
const images = (n: number) => encodeIdx([n, 4, 4], Uint8Array.from({ length: n * 16 }, (_, i) => (i * 7) % 256));
const labels = (n: number) => encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 12));
writeFileSync(join(dir, 'files', 'x-tr.idx'), images(48));
writeFileSync(join(dir, 'files', 'y-tr.idx'), labels(48));
writeFileSync(join(dir, 'files', 'x-te.idx'), images(24));
writeFileSync(join(dir, 'files', 'y-te.idx'), labels(24));
const write = (name: string, m: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof m === 'string' ? m : JSON.stringify(m));
  return p;
};

describe('a JSON data manifest', () => {
  it('names the files of each split (IDX here, .npy alike), the preprocessing and the validation size', () => {
    const p = write('data.json', { train: { inputs: 'files/x-tr.idx', labels: 'files/y-tr.idx' }, test: { inputs: 'files/x-te.idx', labels: 'files/y-te.idx' }, preprocessing: { mean: [0.5], std: [0.25] }, validation: 8 });
    const data = loadData(p);
    expect([data.train.count, data.test.count, data.numClasses, data.train.shape]).toEqual([48, 24, 12, [4, 4]]);
    expect(preprocessingOf(data.test)).toEqual({ divisor: 255, mean: [0.5], std: [0.25] });
    expect(makeBatch(data.train, [0], 12).x[1]).toBeCloseTo((7 / 255 - 0.5) / 0.25, 5);
  });

  it('lists one .npy file per model input: each keeps its own shape and divisor through validation carving, takeFirst and batches', () => {
    const npy = (name: string, data: Float32Array | Uint8Array | BigInt64Array, shape: number[]) => writeFileSync(join(dir, 'files', name), new Uint8Array(dump(data, shape)));
    for (const [split, n] of [['tr', 10], ['te', 4]] as const) {
      npy(`a-${split}.npy`, Float32Array.from({ length: n * 3 }, (_, i) => i), [n, 3]);
      npy(`b-${split}.npy`, Uint8Array.from({ length: n * 2 }, (_, i) => 100 + i), [n, 2]);
      npy(`y-${split}.npy`, BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 3)), [n]);
    }
    const p = write('two.json', { train: { inputs: ['files/a-tr.npy', 'files/b-tr.npy'], labels: 'files/y-tr.npy' }, test: { inputs: ['files/a-te.npy', 'files/b-te.npy'], labels: 'files/y-te.npy' } });
    const data = carveValidation(loadData(p), 3);
    expect([data.train.count, data.validation!.count, data.train.shape, data.train.moreInputs!.map((a) => [a.shape, a.divisor])]).toEqual([7, 3, [3], [[[2], 255]]]);
    // example i has a = 3i..3i+2 and b = 100+2i, 101+2i: the splits keep them together
    const b = makeBatch(takeFirst(data.validation!, 2), [1], 3);
    const i = b.xs[0][0] / 3;
    expect(Array.from(b.xs[0])).toEqual([3 * i, 3 * i + 1, 3 * i + 2]);
    expect(Array.from(b.xs[1])).toEqual([(100 + 2 * i) / 255, (101 + 2 * i) / 255].map(Math.fround));
    expect(b.x).toBe(b.xs[0]);
    npy('b-short.npy', new Uint8Array(9 * 2), [9, 2]);
    const bad = write('short.json', { train: { inputs: ['files/a-tr.npy', 'files/b-short.npy'], labels: 'files/y-tr.npy' }, test: { inputs: ['files/a-te.npy', 'files/b-te.npy'], labels: 'files/y-te.npy' } });
    expect(errorLine(() => loadData(bad))).toBe('E_DATA_MISMATCH: files/b-short.npy: expected as many examples as files/a-tr.npy (10), got 9');
    // a preprocessing per input: the second input's bytes standardised by its own mean and std, per channel
    const pre = write('two-pre.json', { train: { inputs: ['files/a-tr.npy', 'files/b-tr.npy'], labels: 'files/y-tr.npy' }, test: { inputs: ['files/a-te.npy', 'files/b-te.npy'], labels: 'files/y-te.npy' }, preprocessing: [{}, { divisor: 1, mean: [100, 101], std: [2, 4] }] });
    const withPre = carveValidation(loadData(pre), 3);
    for (const s of [withPre.train, withPre.validation!, withPre.test]) expect([preprocessingOf(s), preprocessingOf(s.moreInputs![0])]).toEqual([{ divisor: 1 }, { divisor: 1, mean: [100, 101], std: [2, 4] }]);
    const t = makeBatch(withPre.test, [3], 3);
    expect([Array.from(t.xs[0]), Array.from(t.xs[1])]).toEqual([[9, 10, 11], [(106 - 100) / 2, (107 - 101) / 4]]);
    const wrong = (preprocessing: unknown) => errorLine(() => loadData(write('two-bad.json', { train: { inputs: ['files/a-tr.npy', 'files/b-tr.npy'], labels: 'files/y-tr.npy' }, test: { inputs: ['files/a-te.npy', 'files/b-te.npy'], labels: 'files/y-te.npy' }, preprocessing })));
    expect(wrong([{}])).toBe('E_DATA_MISMATCH: two-bad.json: expected preprocessing to list one entry per input (2), got 1');
    expect(wrong([{}, { std: [1, 2, 3] }])).toMatch(/^E_OPTIONS: two-bad\.json: preprocessing\[1\]: expected std to have 1 value or one per channel \(2, the last axis of \[2\]\), got 3$/);
    expect(wrong([])).toMatch(/expected preprocessing to list one .* per input, got an empty list/);
  });

  it('may point at a folder loadData reads instead', () => {
    const p = write('folder.json', { folder: 'files-mnist', preprocessing: { divisor: 1 } });
    expect(errorLine(() => loadData(p))).toMatch(/^E_DATA_NOT_FOUND: .*files-mnist/);
  });

  it('refuses what it cannot use in one coded line', () => {
    const cases: [unknown, RegExp][] = [
      ['{"train":', /^E_DATA_MISMATCH: bad\.json: expected a JSON data manifest, got a parse error/],
      [{ train: { inputs: 'files/x-tr.idx', labels: 'files/y-tr.idx' } }, /expected either "folder" or both "train" and "test"/],
      [{ folder: '.', train: { inputs: 'a', labels: 'b' }, test: { inputs: 'a', labels: 'b' } }, /expected either "folder" or both "train" and "test"/],
      [{ folder: '.', split: 0.1 }, /unknown key "split"/],
      [{ train: { inputs: 'files/nope.idx', labels: 'files/y-tr.idx' }, test: { inputs: 'files/x-te.idx', labels: 'files/y-te.idx' } }, /^E_DATA_NOT_FOUND: Expected the manifest's train file files\/nope\.idx/],
      [{ train: { inputs: 'files/x-tr.idx', labels: 'files/y-te.idx' }, test: { inputs: 'files/x-te.idx', labels: 'files/y-te.idx' } }, /^E_DATA_MISMATCH: train: expected as many labels as images \(48\), got 24/],
      [{ train: { inputs: 'files/x-tr.idx', labels: 'files/y-tr.idx' }, test: { inputs: 'files/x-te.idx', labels: 'files/y-te.idx' }, preprocessing: { std: [1, 2] } }, /preprocessing: expected std to have 1 value or one per channel \(4, the last axis of \[4, 4\]\), got 2/],
      [{ folder: '.', validation: -1 }, /expected validation to be a whole number of examples, got -1/],
    ];
    for (const [m, why] of cases) expect(errorLine(() => loadData(write('bad.json', m)))).toMatch(why);
    expect(errorLine(() => loadData(join(dir, 'none.json')))).toMatch(/^E_DATA_NOT_FOUND: Expected a data manifest at/);
  });
});
