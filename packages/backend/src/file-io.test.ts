import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isSoftshareError } from '@softshare/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileIO, loadModelArtifacts, selectBackend } from './index.js';

describe('fileIO', () => {
  beforeAll(async () => {
    await selectBackend({ backend: 'wasm' });
  });

  it('round-trips a layers model through model.json + weights.bin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'softshare-io-'));
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu' }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    await model.save(fileIO(dir));
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await tf.loadLayersModel(fileIO(join(dir, 'model.json')));
    const x = tf.tensor2d([[1, -2, 3, 0.5]]);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((model.predict(x) as tf.Tensor).dataSync()),
    );
    const a = model.getWeights().map((w) => Array.from(w.dataSync()));
    const b = loaded.getWeights().map((w) => Array.from(w.dataSync()));
    expect(b).toEqual(a);
  });

  it.each([
    ['a missing file', () => join(tmpdir(), 'no-such-dir-softshare', 'model.json'), 'E_MODEL_NOT_FOUND', /file not found/],
    [
      'a file that is not JSON',
      () => {
        const p = join(mkdtempSync(join(tmpdir(), 'softshare-io-')), 'model.json');
        writeFileSync(p, 'not json');
        return p;
      },
      'E_MODEL_FORMAT',
      /Expected .* to be JSON/,
    ],
    [
      'JSON that is not a tfjs model',
      () => {
        const p = join(mkdtempSync(join(tmpdir(), 'softshare-io-')), 'model.json');
        writeFileSync(p, '{"hello": 1}');
        return p;
      },
      'E_MODEL_FORMAT',
      /tfjs model.json \(layers or graph\)/,
    ],
  ] as const)('rejects %s with a clear error', (_what, makePath, code, message) => {
    let err: unknown;
    try {
      loadModelArtifacts(makePath());
    } catch (e) {
      err = e;
    }
    expect(isSoftshareError(err, code)).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});
