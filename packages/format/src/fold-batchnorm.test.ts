import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { balanceBatchNormWeights, foldBatchNormalization } from './index.js';

/** A model's artifacts as tfjs saves them (topology + float32 weights). */
async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  return saved!;
}

/** Give every BatchNormalization statistics and an affine part far from the identity, so a wrong fold shows. */
function randomiseBatchNorms(model: tf.LayersModel, seed: number): void {
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    // variances in [0.5, 2.5), the rest in [-1, 1) (a name reused across tests gets a suffix: moving_variance_1)
    l.setWeights(l.weights.map((w, k) => (w.name.includes('moving_variance') ? tf.randomUniform(w.shape as number[], 0.5, 2.5, 'float32', seed + k) : tf.randomUniform(w.shape as number[], -1, 1, 'float32', seed + k))));
  }
}

const init = (seed: number) => tf.initializers.glorotUniform({ seed });

async function foldAndCompare(model: tf.LayersModel, x: tf.Tensor) {
  const { artifacts, folded } = foldBatchNormalization(await artifactsOf(model));
  const back = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const a = (model.predict(x) as tf.Tensor).dataSync();
  const b = (back.predict(x) as tf.Tensor).dataSync();
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  const classes = back.layers.map((l) => l.getClassName());
  back.dispose();
  return { folded, maxRelative: maxAbs / scale, classes };
}

describe('foldBatchNormalization', () => {
  it('folds BatchNormalization into Conv2D (no bias), DepthwiseConv2D, SeparableConv2D and Dense of a Sequential model: the same outputs, no BatchNormalization left', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, useBias: false, kernelInitializer: init(1), name: 'c' }),
        tf.layers.batchNormalization({ name: 'bn1' }),
        tf.layers.reLU({ maxValue: 6 }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, depthwiseInitializer: init(2), name: 'dw' }),
        tf.layers.batchNormalization({ name: 'bn2' }),
        tf.layers.separableConv2d({ filters: 3, kernelSize: 2, depthwiseInitializer: init(3), pointwiseInitializer: init(4), name: 'sep' }),
        tf.layers.batchNormalization({ name: 'bn3', center: false }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 5, kernelInitializer: init(5), name: 'd' }),
        tf.layers.batchNormalization({ name: 'bn4', scale: false }),
      ],
    });
    randomiseBatchNorms(model, 1);
    const r = await foldAndCompare(model, tf.randomNormal([6, 8, 8, 2], 0, 1, 'float32', 7));
    expect(r.folded).toEqual(['bn1', 'bn2', 'bn3', 'bn4']);
    expect(r.classes).not.toContain('BatchNormalization');
    expect(r.maxRelative).toBeLessThan(1e-5);
  });

  it('folds inside a functional ResNet block, and leaves a BatchNormalization whose input another layer also reads, or after an activation', async () => {
    const input = tf.input({ shape: [6, 6, 3] });
    const c1 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(1), name: 'c1' }).apply(input) as tf.SymbolicTensor;
    const b1 = tf.layers.batchNormalization({ name: 'b1' }).apply(c1) as tf.SymbolicTensor;
    const shortcut = tf.layers.conv2d({ filters: 4, kernelSize: 1, kernelInitializer: init(2), name: 'sc' }).apply(input) as tf.SymbolicTensor;
    const bsc = tf.layers.batchNormalization({ name: 'bsc' }).apply(shortcut) as tf.SymbolicTensor;
    const add = tf.layers.add({ name: 'add' }).apply([b1, bsc, shortcut]) as tf.SymbolicTensor; // sc is read twice: bsc stays
    const c2 = tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: init(3), name: 'c2' }).apply(add) as tf.SymbolicTensor;
    const b2 = tf.layers.batchNormalization({ name: 'b2' }).apply(c2) as tf.SymbolicTensor; // after a ReLU: stays
    const c3 = tf.layers.conv2d({ filters: 2, kernelSize: 1, kernelInitializer: init(4), name: 'c3' }).apply(b2) as tf.SymbolicTensor;
    const out = tf.layers.batchNormalization({ name: 'b3' }).apply(c3) as tf.SymbolicTensor; // an output: folded, the output is c3's
    const model = tf.model({ inputs: input, outputs: out });
    randomiseBatchNorms(model, 2);
    const r = await foldAndCompare(model, tf.randomNormal([4, 6, 6, 3], 0, 1, 'float32', 9));
    expect(r.folded).toEqual(['b1', 'b3']);
    expect(r.classes.filter((c) => c === 'BatchNormalization')).toHaveLength(2);
    expect(r.maxRelative).toBeLessThan(1e-5);
  });

  it('hands back what it cannot fold unchanged', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'relu' }), tf.layers.batchNormalization({})] });
    const artifacts = await artifactsOf(model);
    const r = foldBatchNormalization(artifacts);
    expect(r.folded).toEqual([]);
    expect(r.artifacts).toBe(artifacts);
  });
});

describe('balanceBatchNormWeights', () => {
  it('puts every output channel of Conv2D, DepthwiseConv2D (multiplier 2), SeparableConv2D (both kernels) and Dense kernels at one RMS, with the same outputs; a kernel without BatchNormalization stays', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, kernelInitializer: init(1), biasInitializer: 'ones', name: 'c' }),
        tf.layers.batchNormalization({ name: 'bn1' }),
        tf.layers.reLU({ maxValue: 6 }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, useBias: false, depthwiseInitializer: init(2), name: 'dw' }),
        tf.layers.batchNormalization({ name: 'bn2' }),
        tf.layers.separableConv2d({ filters: 3, kernelSize: 2, depthwiseInitializer: init(3), pointwiseInitializer: init(4), name: 'sep' }),
        tf.layers.batchNormalization({ name: 'bn3', center: false, scale: false }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 5, kernelInitializer: init(5), name: 'd' }),
        tf.layers.batchNormalization({ name: 'bn4' }),
        tf.layers.dense({ units: 2, kernelInitializer: init(6), name: 'out' }),
      ],
    });
    randomiseBatchNorms(model, 3);
    // channels of very different scales, as pretraining with BatchNormalization leaves them
    const c = model.getLayer('c');
    c.setWeights([tf.tidy(() => c.getWeights()[0].mul(tf.tensor1d([0.01, 1, 10, 0.3]))), c.getWeights()[1]]);
    const a = await artifactsOf(model);
    let at = 0;
    const weights = a.weightSpecs!.map((w) => {
      const n = w.shape.reduce((x, y) => x * y, 1);
      const values = new Float32Array(a.weightData as ArrayBuffer, 4 * at, n).slice();
      at += n;
      return { name: w.name, shape: w.shape, values };
    });
    const r = balanceBatchNormWeights(a.modelTopology, weights, 0.2);
    expect(r.balanced).toEqual(['c/kernel', 'dw/depthwise_kernel', 'sep/depthwise_kernel', 'sep/pointwise_kernel', 'd/kernel']);
    for (const name of r.balanced) {
      const w = r.weights.find((x) => x.name === name)!;
      const C = w.shape[w.shape.length - 1] * (name.endsWith('depthwise_kernel') ? w.shape[2] : 1);
      const sq = new Float64Array(C);
      w.values.forEach((v, i) => (sq[i % C] += v * v));
      for (const s of sq) expect(Math.sqrt(s / (w.values.length / C)), name).toBeCloseTo(0.2, 4);
    }
    expect(r.weights.find((x) => x.name === 'out/kernel')!.values).toEqual(weights.find((x) => x.name === 'out/kernel')!.values);
    expect(weights.find((x) => x.name === 'c/kernel')!.values).toEqual(new Float32Array(a.weightData as ArrayBuffer, 0, 72)); // the input is not changed
    const back = await tf.loadLayersModel(tf.io.fromMemory({ ...a, weightData: new Float32Array(r.weights.flatMap((w) => Array.from(w.values))).buffer }));
    const x = tf.randomNormal([6, 8, 8, 2], 0, 1, 'float32', 11);
    const p = (model.predict(x) as tf.Tensor).dataSync();
    const q = (back.predict(x) as tf.Tensor).dataSync();
    const scale = Math.max(...Array.from(p, Math.abs));
    for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] - q[i]) / scale).toBeLessThan(1e-4);
    back.dispose();
  });
});
