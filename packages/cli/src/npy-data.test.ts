import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'npyjs';
import { describe, expect, it } from 'vitest';
import { loadMnist, takeFirst, type DataSplit } from '@softshare/data';
import { pretrainedModelPath } from '@softshare/models';
import { runCaptured } from './run-captured.js';

const run = runCaptured;

// A user's data as NumPy files (what np.save writes: uint8 images, int64 labels), here a slice of MNIST.
const dir = mkdtempSync(join(tmpdir(), 'softshare-npy-cli-'));
const mnist = loadMnist('mnist');
const save = (s: DataSplit, x: string, y: string) => {
  writeFileSync(join(dir, x), new Uint8Array(dump(s.inputs as Uint8Array, [s.count, ...s.shape])));
  writeFileSync(join(dir, y), new Uint8Array(dump(BigInt64Array.from(s.labels!, (l) => BigInt(l)), [s.count])));
};
save(takeFirst(mnist.train, 600), 'x_train.npy', 'y_train.npy');
save(takeFirst(mnist.test, 300), 'x_test.npy', 'y_test.npy');

describe('--data <folder of .npy files>', () => {
  it('compresses from NumPy files with a validation split, and eval reads the same folder', async () => {
    const config = join(dir, 'tiny.json');
    writeFileSync(config, JSON.stringify({ retrain: { epochs: 1, tau: 0.5 }, tune: { epochs: 1 }, budget: { maxErrorIncrease: null } }));
    const out = join(dir, 'm.sws');
    const r = await run('compress', '--model', pretrainedModelPath('lenet-300-100'), '--data', dir, '--validation', '100', '--out', out, '--config', config, '--json', '--backend', 'wasm');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    const result = lines.pop();
    expect([result.train_examples, result.validation_examples]).toEqual([500, 100]);
    expect(lines[0].validationError).toBeGreaterThanOrEqual(0);
    const summary = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    const e = await run('eval', '--model', out, '--data', dir, '--json', '--backend', 'wasm');
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out).error).toBe(summary.error_after);
  }, 180_000);
});
