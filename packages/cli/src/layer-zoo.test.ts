import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, of } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@softshare/backend';
import { Rng } from '@softshare/core';
import type { Dataset, DataSplit } from '@softshare/data';
import { encodeSws, swsIO } from '@softshare/format';
import { fromModelData, toModelData } from '@softshare/models';
import { compressionPipeline, parsePipelineConfig } from '@softshare/pipeline';

// Every weight-bearing layer class a tfjs model has, each in a small classifier of its own,
// through the compression pipeline on the default backend: its weights go under the prior,
// the file loads back into tfjs and predicts what the quantised model predicts.
const init = (seed: number) => tf.initializers.glorotUniform({ seed });
const zoo: [string, number[], () => tf.layers.Layer[], string[]][] = [
  ['Dense', [8], () => [tf.layers.dense({ units: 6, activation: 'relu', kernelInitializer: init(1), name: 'l' })], ['l/kernel']],
  ['Conv1D', [10, 3], () => [tf.layers.conv1d({ filters: 4, kernelSize: 3, kernelInitializer: init(1), name: 'l' })], ['l/kernel']],
  ['Conv2D', [8, 8, 2], () => [tf.layers.conv2d({ filters: 4, kernelSize: 3, kernelInitializer: init(1), name: 'l' })], ['l/kernel']],
  ['Conv3D', [5, 5, 5, 2], () => [tf.layers.conv3d({ filters: 3, kernelSize: 3, kernelInitializer: init(1), name: 'l' })], ['l/kernel']],
  ['Conv2DTranspose', [5, 5, 2], () => [tf.layers.conv2dTranspose({ filters: 3, kernelSize: 3, kernelInitializer: init(1), name: 'l' })], ['l/kernel']],
  ['DepthwiseConv2D', [8, 8, 3], () => [tf.layers.depthwiseConv2d({ kernelSize: 3, depthwiseInitializer: init(1), name: 'l' })], ['l/depthwise_kernel']],
  ['SeparableConv2D', [8, 8, 3], () => [tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthwiseInitializer: init(1), pointwiseInitializer: init(2), name: 'l' })], ['l/depthwise_kernel', 'l/pointwise_kernel']],
  ['Embedding', [6], () => [tf.layers.embedding({ inputDim: 10, outputDim: 4, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 1 }), name: 'l' })], ['l/embeddings']],
  ['SimpleRNN', [6, 4], () => [tf.layers.simpleRNN({ units: 5, kernelInitializer: init(1), recurrentInitializer: init(2), name: 'l' })], ['l/kernel', 'l/recurrent_kernel']],
  ['LSTM', [6, 4], () => [tf.layers.lstm({ units: 5, kernelInitializer: init(1), recurrentInitializer: init(2), name: 'l' })], ['l/kernel', 'l/recurrent_kernel']],
  ['GRU', [6, 4], () => [tf.layers.gru({ units: 5, kernelInitializer: init(1), recurrentInitializer: init(2), name: 'l' })], ['l/kernel', 'l/recurrent_kernel']],
  // normalisation layers: BatchNormalization is kept and held (the Dense before it balanced per channel), its vectors and LayerNormalization's outside the prior (compress's storage step may put them on shared values or in float16)
  ['BatchNormalization', [8], () => [tf.layers.dense({ units: 6, kernelInitializer: init(1), name: 'd' }), tf.layers.batchNormalization({ name: 'l' })], ['d/kernel']],
  ['LayerNormalization', [8], () => [tf.layers.dense({ units: 6, kernelInitializer: init(1), name: 'd' }), tf.layers.layerNormalization({ name: 'l' })], ['d/kernel']],
  ['PReLU', [8], () => [tf.layers.dense({ units: 6, kernelInitializer: init(1), name: 'd' }), tf.layers.prelu({ alphaInitializer: tf.initializers.constant({ value: 0.25 }), name: 'l' })], ['d/kernel', 'l/alpha']],
];

/** Random inputs of a shape (token ids below 10 for an Embedding) with labels from a fixed linear rule: something to learn. */
function split(shape: number[], count: number, seed: number, tokens: boolean): DataSplit {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const inputs = Float32Array.from({ length: count * size }, () => (tokens ? rng.int(10) : rng.next() * 2 - 1));
  const labels = Uint8Array.from({ length: count }, (_, i) => (inputs.subarray(i * size, (i + 1) * size).reduce((a, v, j) => a + (j % 3 === 0 ? v : -v / 2), 0) > 0 ? 1 : 0));
  return { count, shape, inputs, divisor: 1, labels };
}

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
});

describe('every weight-bearing layer class through the compression pipeline on wasm', () => {
  it.each(zoo)('%s', async (name, shape, layers, kernels) => {
    const tokens = name === 'Embedding';
    const data: Dataset = { name: 'zoo', numClasses: 2, train: split(shape, 128, 1, tokens), test: split(shape, 64, 2, tokens) };
    const net = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: shape }), ...layers()] });
    if (net.outputs[0].shape.length > 2) net.add(tf.layers.flatten());
    net.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init(9), name: 'out' }));
    const input = toModelData(net);
    const config = parsePipelineConfig({ retrain: { epochs: 2, batchSize: 32, warmupEpochs: 1, tau: 0.01 }, tune: { epochs: 1, batchSize: 32 } });
    const quantized = await lastValueFrom(of(input).pipe(compressionPipeline(data, config)));
    // the layer's weights went under the prior and onto shared values, beside the output layer's
    expect(quantized.quantized.map((q) => q.name).sort()).toEqual([...kernels, 'out/kernel'].sort());
    // a BatchNormalization after a linear layer stays, the kernel before it balanced per channel (balanceBatchNorm, default on) and the layer held at its statistics while retraining
    expect(JSON.stringify(quantized.topology).includes('BatchNormalization')).toBe(name === 'BatchNormalization');
    if (name === 'BatchNormalization') {
      const messages = quantized.diagnostics.map((d) => d.message);
      expect(messages).toContainEqual(expect.stringMatching(/^balanced d\/kernel: each output channel at RMS [\d.]+, the BatchNormalization after it rescaled to match \(balanceBatchNorm\)$/));
      expect(messages).toContainEqual(expect.stringMatching(/^BatchNormalization \w+ held at its pretrained statistics, gamma and beta while retraining$/));
    }
    for (const q of quantized.quantized) expect(q.codebook.length).toBeLessThanOrEqual(17);
    const { bytes } = encodeSws(quantized);
    const loaded = await tf.loadLayersModel(swsIO(bytes));
    const reference = await fromModelData(quantized);
    const x = tf.tensor(data.test.inputs, [data.test.count, ...shape]);
    const a = (loaded.predict(x) as tf.Tensor).dataSync();
    const b = (reference.predict(x) as tf.Tensor).dataSync();
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
    x.dispose();
    for (const m of [net, loaded, reference]) m.dispose();
  }, 60_000);

  it('a functional graph with branches joined by Concatenate and a residual Add', async () => {
    const data: Dataset = { name: 'zoo', numClasses: 2, train: split([8], 128, 1, false), test: split([8], 64, 2, false) };
    const input = tf.input({ shape: [8] });
    const a = tf.layers.dense({ units: 6, activation: 'relu', kernelInitializer: init(1), name: 'a' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 6, activation: 'tanh', kernelInitializer: init(2), name: 'b' }).apply(input) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
    const c = tf.layers.dense({ units: 12, kernelInitializer: init(3), name: 'c' }).apply(joined) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'res' }).apply([c, joined]) as tf.SymbolicTensor;
    const net = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init(9), name: 'out' }).apply(sum) as tf.SymbolicTensor });
    const config = parsePipelineConfig({ retrain: { epochs: 2, batchSize: 32, warmupEpochs: 1, tau: 0.01 }, tune: { epochs: 1, batchSize: 32 } });
    const quantized = await lastValueFrom(of(toModelData(net)).pipe(compressionPipeline(data, config)));
    expect(quantized.quantized.map((q) => q.name).sort()).toEqual(['a/kernel', 'b/kernel', 'c/kernel', 'out/kernel']);
    const loaded = await tf.loadLayersModel(swsIO(encodeSws(quantized).bytes));
    const reference = await fromModelData(quantized);
    const x = tf.tensor(data.test.inputs, [data.test.count, 8]);
    const [p, q] = [(loaded.predict(x) as tf.Tensor).dataSync(), (reference.predict(x) as tf.Tensor).dataSync()];
    for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] - q[i])).toBeLessThan(1e-5);
    x.dispose();
    for (const m of [net, loaded, reference]) m.dispose();
  }, 60_000);
});
