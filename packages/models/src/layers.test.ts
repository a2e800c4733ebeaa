import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@softshare/backend';
import { Rng } from '@softshare/core';
import { loadMnist, takeFirst, type Dataset, type DataSplit } from '@softshare/data';
import { evaluate, pretrain, toModelData } from './index.js';

// Layers beyond Dense and Conv2D train on the default (wasm) backend: the gradients they
// need are registered (@softshare/backend), and their kernels take the role 'kernel'.
const init = (seed: number) => tf.initializers.glorotUniform({ seed });

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});

describe('mobile and recurrent layers on wasm', () => {
  it('a depthwise-separable CNN (DepthwiseConv2D, SeparableConv2D, ReLU6) learns digits', async () => {
    const full = loadMnist('mnist');
    const data: Dataset = { ...full, train: takeFirst(full.train, 1024), validation: takeFirst(full.test, 300), test: takeFirst(full.test, 300) };
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: init(1), name: 'stem' }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: init(2), name: 'dw' }),
        tf.layers.reLU({ maxValue: 6 }),
        tf.layers.separableConv2d({ filters: 16, kernelSize: 3, strides: 2, depthwiseInitializer: init(3), pointwiseInitializer: init(4), activation: 'relu', name: 'sep' }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(5), name: 'out' }),
      ],
    });
    const before = evaluate(model, data.validation!).error;
    const history = await pretrain(model, data, { epochs: 3, batchSize: 64, learningRate: 5e-3 });
    expect(history[2].loss).toBeLessThan(history[0].loss);
    expect(history[2].validationError!).toBeLessThan(before);
    const roles = Object.fromEntries(toModelData(model).params.map((p) => [p.name, p.role]));
    expect(roles).toMatchObject({ 'dw/depthwise_kernel': 'kernel', 'sep/depthwise_kernel': 'kernel', 'sep/pointwise_kernel': 'kernel', 'sep/bias': 'bias' });
  }, 120_000);

  it('an Embedding + GRU sequence classifier learns a counting task', async () => {
    // sequences of 8 tokens from 0..9; the class is whether token 7 occurs more than once
    const split = (count: number, seed: number): DataSplit => {
      const rng = new Rng(seed);
      const inputs = new Float32Array(count * 8);
      const labels = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        let sevens = 0;
        for (let t = 0; t < 8; t++) {
          const tok = rng.next() < 0.2 ? 7 : rng.int(10);
          inputs[i * 8 + t] = tok;
          if (tok === 7) sevens++;
        }
        labels[i] = sevens > 1 ? 1 : 0;
      }
      return { count, shape: [8], inputs, divisor: 1, labels };
    };
    const data: Dataset = { name: 'sevens', numClasses: 2, train: split(1500, 1), validation: split(300, 2), test: split(300, 3) };
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 10, outputDim: 8, inputLength: 8, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 6 }), name: 'emb' }),
        tf.layers.gru({ units: 16, kernelInitializer: init(7), recurrentInitializer: init(8), name: 'gru' }),
        tf.layers.dense({ units: 2, kernelInitializer: init(9), name: 'out' }),
      ],
    });
    const history = await pretrain(model, data, { epochs: 6, batchSize: 50, learningRate: 1e-2, lrDecay: 1 });
    expect(history[5].loss).toBeLessThan(history[0].loss);
    expect(history[5].validationError!).toBeLessThan(0.2);
    const roles = Object.fromEntries(toModelData(model).params.map((p) => [p.name, p.role]));
    expect(roles).toMatchObject({ 'emb/embeddings': 'kernel', 'gru/kernel': 'kernel', 'gru/recurrent_kernel': 'kernel', 'gru/bias': 'bias' });
  }, 120_000);

  it.each([
    ['LSTM', () => tf.layers.lstm({ units: 8, returnSequences: true, kernelInitializer: init(11), recurrentInitializer: init(12) })],
    ['SimpleRNN', () => tf.layers.simpleRNN({ units: 8, returnSequences: true, kernelInitializer: init(11), recurrentInitializer: init(12) })],
    ['Conv1D', () => tf.layers.conv1d({ filters: 4, kernelSize: 3, kernelInitializer: init(13) })],
    ['PReLU', () => tf.layers.prelu({})],
  ] as const)('%s trains on wasm: the loss falls over a few steps, its weights under the prior', async (name, layer) => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6, 5], units: 5, kernelInitializer: init(10) }), layer(), tf.layers.flatten(), tf.layers.dense({ units: 2, kernelInitializer: init(14) })] });
    const x = tf.randomNormal([16, 6, 5], 0, 1, 'float32', 1);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2), 'int32'), 2);
    const opt = tf.train.adam(0.02);
    const losses = Array.from({ length: 8 }, () => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!.dataSync()[0]);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[7]).toBeLessThan(losses[0]);
    // every weight-bearing layer's weights take the role 'kernel' (under the prior by default)
    const kernels = toModelData(model).params.filter((p) => p.role === 'kernel').map((p) => p.name.slice(p.name.indexOf('/') + 1));
    expect(kernels).toEqual(['kernel', ...{ LSTM: ['kernel', 'recurrent_kernel'], SimpleRNN: ['kernel', 'recurrent_kernel'], Conv1D: ['kernel'], PReLU: ['alpha'] }[name], 'kernel']);
  });
});
