import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { lenet300100, runnerOf, toModelData } from './index.js';

describe('runnerOf', () => {
  it('load swaps a candidate in: the same outputs as a runner built for it, with no tensor left behind', async () => {
    await tf.setBackend('cpu');
    const original = toModelData(lenet300100(1));
    const candidate = { ...original, params: original.params.map((p) => ({ ...p, values: Float32Array.from(p.values, (v) => Math.round(v * 20) / 20) })) };
    const x = tf.randomUniform([5, 784], 0, 1, 'float32', 3);
    const runner = await runnerOf(original);
    const before = tf.memory().numTensors;
    const a = runner.run(x)[0];
    await runner.load(candidate);
    const b = runner.run(x)[0];
    expect(tf.memory().numTensors).toBe(before);
    const fresh = await runnerOf(candidate);
    expect(Array.from(b)).toEqual(Array.from(fresh.run(x)[0]));
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(runner.inputShape).toEqual([784]);
    runner.dispose();
    fresh.dispose();
    x.dispose();
  });
});
