import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fromModelData, toModelData } from '@softshare/models';
import { prepareBatchNorm } from './index.js';

/** Conv2D -> BatchNormalization -> ReLU6 -> Dense, with channels of very different scales and statistics far from the identity. */
function model(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, useBias: false, kernelInitializer: init(1), name: 'c' }),
      tf.layers.batchNormalization({ name: 'bn' }),
      tf.layers.reLU({ maxValue: 6 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, kernelInitializer: init(2), name: 'out' }),
    ],
  });
  const c = m.getLayer('c');
  c.setWeights([tf.tidy(() => c.getWeights()[0].mul(tf.tensor1d([0.05, 1, 8])))]);
  m.getLayer('bn').setWeights([tf.tensor1d([1.5, 0.5, 2]), tf.tensor1d([0.1, -0.2, 0.3]), tf.tensor1d([0.01, -0.3, 1]), tf.tensor1d([0.002, 0.8, 40])]);
  return m;
}

async function outputs(data: ReturnType<typeof toModelData>, x: tf.Tensor): Promise<{ y: Float32Array; classes: string[] }> {
  const m = await fromModelData(data);
  const y = (m.predict(x) as tf.Tensor).dataSync() as Float32Array;
  const classes = m.layers.map((l) => l.getClassName());
  m.dispose();
  return { y, classes };
}

describe('prepareBatchNorm: what compress does to BatchNormalization before anything trains', () => {
  const x = tf.randomNormal([4, 6, 6, 1], 0, 1, 'float32', 3);
  const input = toModelData(model());

  it('balances by default: BatchNormalization kept, every output channel of the kernel at the output layer\'s RMS, the same outputs', async () => {
    const before = await outputs(input, x);
    const balanced = prepareBatchNorm(input, { foldBatchNorm: false, balanceBatchNorm: true });
    const after = await outputs(balanced, x);
    expect(after.classes).toContain('BatchNormalization');
    for (let i = 0; i < before.y.length; i++) expect(after.y[i]).toBeCloseTo(before.y[i], 4);
    const rms = (v: Float32Array) => Math.sqrt(v.reduce((s, a) => s + a * a, 0) / v.length);
    const target = rms(input.params.find((p) => p.name === 'out/kernel')!.values);
    const k = balanced.params.find((p) => p.name === 'c/kernel')!.values;
    for (let ch = 0; ch < 3; ch++) expect(rms(k.filter((_, i) => i % 3 === ch))).toBeCloseTo(target, 4);
    expect(balanced.diagnostics.at(-1)!.message).toMatch(/^balanced c\/kernel: each output channel at RMS/);
    expect(input.params.find((p) => p.name === 'c/kernel')!.values).not.toBe(k); // the input is not changed
  });

  it('folds when asked (foldBatchNorm): no BatchNormalization left, the same outputs; neither option leaves the model as it is', async () => {
    const before = await outputs(input, x);
    const folded = prepareBatchNorm(input, { foldBatchNorm: true, balanceBatchNorm: true });
    const after = await outputs(folded, x);
    expect(after.classes).not.toContain('BatchNormalization');
    for (let i = 0; i < before.y.length; i++) expect(after.y[i]).toBeCloseTo(before.y[i], 4);
    expect(prepareBatchNorm(input, { foldBatchNorm: false, balanceBatchNorm: false })).toBe(input);
  });
});
