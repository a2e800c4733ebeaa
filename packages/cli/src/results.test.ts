import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@softshare/backend';
import { loadMnist, type Dataset } from '@softshare/data';
import { swsIO } from '@softshare/format';
import { evaluate } from '@softshare/models';

const dir = fileURLToPath(new URL('../../../results/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.sws'));
const resultsMd = readFileSync(fileURLToPath(new URL('../../../docs/RESULTS.md', import.meta.url)), 'utf8');
let data: Dataset;

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
  data = loadMnist('mnist');
});

describe('committed results', () => {
  it('has the compressed models the README and RESULTS cite', () => {
    expect(files.sort()).toEqual([
      'lenet-300-100-vd-biases.sws',
      'lenet-300-100-vd.sws',
      'lenet-300-100.sws',
      'lenet-5-caffe-biases.sws',
      'lenet-5-caffe-sparse.sws',
      'lenet-5-caffe-vd-biases.sws',
      'lenet-5-caffe-vd.sws',
      'lenet-5-caffe.sws',
    ]);
  });

  it.each(files)('%s decodes and evaluates to the test error and size its summary and docs/RESULTS.md give', async (f) => {
    const bytes = new Uint8Array(readFileSync(join(dir, f)));
    const summary = JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8')) as { error_after: number; file_bytes: number; file_ratio: number; original_bytes: number };
    expect(bytes.length).toBe(summary.file_bytes);
    expect(summary.file_ratio).toBeCloseTo(summary.original_bytes / bytes.length, 9);
    const model = await tf.loadLayersModel(swsIO(bytes));
    try {
      expect(evaluate(model, data.test).error).toBe(summary.error_after);
    } finally {
      model.dispose();
    }
    // RESULTS.md states the file's error (in %) and its file-size ratio as measured
    expect(resultsMd).toContain(`${(summary.error_after * 100).toFixed(2)}`);
    expect(resultsMd).toContain(summary.file_ratio.toFixed(1));
  }, 120_000);
});
