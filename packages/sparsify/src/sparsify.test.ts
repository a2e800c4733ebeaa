import * as tf from '@tensorflow/tfjs';
import { firstValueFrom, of } from 'rxjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { leakedTensors, SoftshareError, type ModelData, type PretrainedModel, type QuantizedModel } from '@softshare/core';
import { loadMnist, makeBatch, takeFirst, type Dataset } from '@softshare/data';
import { logitsFn, pretrainedModelPath, toModelData } from '@softshare/models';
import { tune } from '@softshare/tune';
import { beforeAll, describe, expect, it } from 'vitest';
import { keepLowest, runSparsify, runVariationalDropout, shareValues, sparsify, sparsifyOptionsSchema, variationalChain } from './index.js';

let data: Dataset;
let lenet300: PretrainedModel;

/** A small convnet in the shape of LeNet-5-Caffe: conv 4@5x5 -> maxpool -> conv 6@3x3 relu -> flatten -> dense 10 -> softmax. */
function smallConvnet(): ModelData {
  const input = tf.input({ shape: [28, 28, 1] });
  let h = tf.layers.conv2d({ filters: 4, kernelSize: 5, name: 'c1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'p1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: tf.initializers.constant({ value: 0.1 }) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'f' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 10, name: 'd', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.activation({ activation: 'softmax', name: 's' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const m = toModelData(model);
  model.dispose();
  return m;
}

function nonZero(q: QuantizedModel): number {
  return q.quantized.reduce((a, t) => a + t.codes.filter((c) => c !== 0).length, 0);
}

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
  const full = loadMnist('mnist');
  data = { ...full, train: takeFirst(full.train, 1024), test: takeFirst(full.test, 200) };
  const model = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-300-100')));
  lenet300 = toModelData(model);
  model.dispose();
});

describe('keepLowest', () => {
  it('keeps the k lowest log-alphas over all tensors, ties to the earlier tensor and position', () => {
    const keep = keepLowest([Float32Array.of(3, -1, 0.5), Float32Array.of(0.5, -2)], 3);
    expect(keep.map((k) => Array.from(k))).toEqual([[0, 1, 1], [0, 1]]);
    expect(keepLowest([Float32Array.of(1, 2)], 5).map((k) => Array.from(k))).toEqual([[1, 1]]);
    expect(keepLowest([Float32Array.of(1, 2)], 0).map((k) => Array.from(k))).toEqual([[0, 0]]);
  });
});

describe('shareValues', () => {
  it('gives each kept weight its nearest of at most `values` k-means values and every other weight code 0', () => {
    const w = Float32Array.from({ length: 400 }, (_, i) => Math.sin(i * 1.7) * 0.4);
    const keep = Uint8Array.from(w, (x, i) => (i % 3 === 0 ? 1 : 0));
    const { codebook, codes } = shareValues(w, keep, 4);
    expect(codebook.length).toBe(5);
    expect(codebook[0]).toBe(0);
    let err = 0;
    let startErr = 0;
    const sorted = Array.from(w.filter((_, i) => keep[i])).sort((a, b) => a - b);
    const start = [1, 2, 3, 4].map((j) => sorted[Math.floor(((j - 0.5) * sorted.length) / 4)]);
    codes.forEach((c, i) => {
      expect(c !== 0).toBe(keep[i] === 1);
      if (!keep[i]) return;
      const d = Array.from(codebook.slice(1), (v) => Math.abs(v - w[i]));
      expect(Math.abs(codebook[c] - w[i])).toBe(Math.min(...d));
      err += (codebook[c] - w[i]) ** 2;
      startErr += Math.min(...start.map((v) => (v - w[i]) ** 2));
    });
    expect(err).toBeLessThan(startErr);
    // fewer kept weights than values: one value each at most
    const few = shareValues(Float32Array.of(0.3, -0.2, 0), Uint8Array.of(1, 1, 0), 9);
    expect(few.codebook.length).toBe(3);
    expect(Array.from(few.codes)).toEqual([2, 1, 0]);
  });
});

describe('variational chain', () => {
  it('computes the network of the means exactly as the tfjs model does (dense and conv chains)', async () => {
    const conv = smallConvnet();
    for (const m of [lenet300, conv]) {
      const names = new Set(m.params.filter((p) => p.role === 'kernel').map((p) => p.name));
      const chain = await variationalChain(m, names);
      const model = await (await import('@softshare/models')).fromModelData(m);
      const b = makeBatch(data.test, Int32Array.from({ length: 16 }, (_, i) => i), 10);
      const shape = m === conv ? [16, 28, 28, 1] : [16, 784];
      const [ours, theirs] = tf.tidy(() => {
        const x = tf.tensor(b.x, shape);
        return [chain.forward(x).dataSync(), logitsFn(model)(x, false).dataSync()];
      });
      expect(chain.logits).toBe(true);
      ours.forEach((v, i) => expect(v).toBeCloseTo(theirs[i], 4));
      chain.dispose();
      model.dispose();
    }
  });

  it('refuses a model whose layers are not a chain, with a one-line error', async () => {
    const input = tf.input({ shape: [784] });
    const a = tf.layers.dense({ units: 10, name: 'a' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 10, name: 'b' }).apply(input) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: sum });
    const m = toModelData(model);
    model.dispose();
    const err = await runVariationalDropout(m, data, new Set(['a/kernel']), sparsifyOptionsSchema.parse({ epochs: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SoftshareError);
    expect((err as SoftshareError).code).toBe('E_MODEL_INCOMPATIBLE');
    expect((err as SoftshareError).message).toMatch(/chain models.*"b" is fed by "input/);
  });
});

describe('sparse variational dropout', () => {
  it('the KL term raises log-alpha: a heavier KL weight leaves fewer weights below log-alpha 3', async () => {
    const names = new Set(['fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    const below = async (kl: number) => {
      let last = -1;
      const r = await runVariationalDropout(lenet300, data, names, sparsifyOptionsSchema.parse({ epochs: 2, kl, anneal: 0, learningRate: 1e-2 }), { onEpoch: (e) => (last = e.belowThreshold) });
      const mean = r.tensors.reduce((a, t) => a + t.logAlpha.reduce((s, v) => s + v, 0), 0) / r.tensors.reduce((a, t) => a + t.logAlpha.length, 0);
      return { last, mean };
    };
    const none = await below(0);
    const heavy = await below(50);
    expect(heavy.mean).toBeGreaterThan(none.mean + 1);
    expect(heavy.last).toBeLessThan(none.last);
  });

  it('refuses seed 0, for which tfjs would draw the noise at random', () => {
    const r = sparsifyOptionsSchema.safeParse({ seed: 0 });
    expect(r.success).toBe(false);
    expect(sparsifyOptionsSchema.parse({ seed: 1 }).seed).toBe(1);
  });

  it('a cosine schedule moves the means less than a constant learning rate (half the summed step sizes)', async () => {
    const names = new Set(['fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    const start = new Map(lenet300.params.map((p) => [p.name, p.values]));
    const moved = async (schedule: 'constant' | 'cosine') => {
      const r = await runVariationalDropout(lenet300, data, names, sparsifyOptionsSchema.parse({ epochs: 2, schedule, evalEvery: 0 }));
      let sum = 0;
      for (const t of r.tensors) t.theta.forEach((w, i) => (sum += Math.abs(w - start.get(t.name)![i])));
      return sum;
    };
    const constant = await moved('constant');
    const cosine = await moved('cosine');
    expect(cosine).toBeGreaterThan(0);
    expect(cosine).toBeLessThan(0.8 * constant);
  });

  it('reports the validation error of the kept means each epoch, as evaluating that network directly gives, and never looks at the test split', async () => {
    const names = new Set(['fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    const reported: (number | undefined)[] = [];
    const options = sparsifyOptionsSchema.parse({ epochs: 2, density: 0.2, evalEvery: 2 });
    const validation = takeFirst(data.train, 500);
    const noTest = { ...data, validation, test: { ...data.test, count: 0, inputs: new Uint8Array(0), labels: new Uint8Array(0) } };
    const r = await runVariationalDropout(lenet300, noTest, names, options, { onEpoch: (e) => reported.push(e.validationError) });
    expect(reported[0]).toBeUndefined();
    const keep = keepLowest(r.tensors.map((t) => t.logAlpha), Math.round(0.2 * 266200));
    const values = new Map<string, Float32Array>(r.biases);
    r.tensors.forEach((t, i) => values.set(t.name, t.theta.map((w, j) => (keep[i][j] ? w : 0))));
    const { evaluate, fromModelData } = await import('@softshare/models');
    const net = await fromModelData({ ...lenet300, params: lenet300.params.map((p) => ({ ...p, values: values.get(p.name) ?? p.values })) });
    expect(reported[1]).toBe(evaluate(net, validation).error);
    expect(reported[1]).toBeLessThan(0.1);
    net.dispose();
  });

  it('runSparsify keeps exactly the density share, shares at most `values` values per tensor (or its tensorValues entry), is deterministic and leaks no tensors', async () => {
    const options = sparsifyOptionsSchema.parse({ epochs: 1, density: 0.02, values: 5, tensorValues: { 'fc2/kernel': 2 } });
    let first: QuantizedModel | undefined;
    const leaked = await leakedTensors(tf, async () => {
      first = await runSparsify(lenet300, data, options);
    });
    expect(leaked).toBe(0);
    const q = first!;
    expect(nonZero(q)).toBe(Math.round(0.02 * 266200));
    for (const t of q.quantized) {
      expect(t.codebook[0]).toBe(0);
      if (t.name === 'fc2/kernel') expect(t.codebook.length).toBe(3);
      else expect(t.codebook.length).toBeLessThanOrEqual(6);
      const p = q.params.find((x) => x.name === t.name)!;
      expect(Array.from(p.values)).toEqual(Array.from(t.codes, (c) => t.codebook[c]));
    }
    // biases of the sparsified layers trained; the topology is the input's
    expect(q.params.find((p) => p.name === 'fc1/bias')!.values).not.toEqual(lenet300.params.find((p) => p.name === 'fc1/bias')!.values);
    expect(q.topology).toBe(lenet300.topology);
    expect(q.diagnostics.some((d) => d.stage === 'sparsify' && d.message.includes(`kept ${Math.round(0.02 * 266200)} of 266200`))).toBe(true);
    const again = await runSparsify(lenet300, data, options);
    again.quantized.forEach((t, i) => {
      expect(t.codes).toEqual(q.quantized[i].codes);
      expect(t.codebook).toEqual(q.quantized[i].codebook);
    });
  });

  it('composes with tune into a pipeline that keeps the mask size and still classifies', async () => {
    const sparse = await firstValueFrom(of(lenet300).pipe(sparsify(data, { epochs: 2, density: 0.1, kl: 2, anneal: 1 }), tune(data, { epochs: 1, mask: { epochs: 1, regrow: 0, refit: true } })));
    expect(sparse.kind).toBe('quantized');
    expect(sparse.mixture).toBeUndefined();
    // tune drops weights that feed or leave dead units, never adds any
    expect(nonZero(sparse)).toBeLessThanOrEqual(Math.round(0.1 * 266200));
    expect(nonZero(sparse)).toBeGreaterThan(0.9 * Math.round(0.1 * 266200));
    // the sparse network still classifies: far better than chance on held-out digits
    const { evaluate, fromModelData } = await import('@softshare/models');
    const net = await fromModelData(sparse);
    expect(evaluate(net, takeFirst(loadMnist('mnist').test, 1000)).error).toBeLessThan(0.2); // chance is 0.9; two VD epochs on the pretrained net reach 0.15-0.16
    net.dispose();
  });

  it('passes kernels of layers other than Dense and Conv2D through unchanged, with a diagnostic', async () => {
    const input = tf.input({ shape: [784] });
    let h = tf.layers.reshape({ targetShape: [784, 1], name: 'r' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.conv1d({ filters: 2, kernelSize: 5, strides: 4, name: 'c1d' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.flatten({ name: 'f' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.dense({ units: 10, activation: 'softmax', name: 'd' }).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: h });
    const m = toModelData(model);
    model.dispose();
    const q = await runSparsify(m, data, sparsifyOptionsSchema.parse({ epochs: 1, trainLimit: 256, evalEvery: 1, density: 0.5 }));
    expect(q.quantized.map((t) => t.name)).toEqual(['d/kernel']);
    expect(q.params.find((p) => p.name === 'c1d/kernel')!.values).toBe(m.params.find((p) => p.name === 'c1d/kernel')!.values);
    expect(q.diagnostics.some((d) => d.stage === 'sparsify' && d.message.startsWith('c1d/kernel passed through'))).toBe(true);
  });

  it('refuses a tensorValues entry that names no kernel, before training', async () => {
    let steps = 0;
    await expect(runSparsify(lenet300, data, sparsifyOptionsSchema.parse({ tensorValues: { 'fc9/kernel': 4 } }), { onStep: () => steps++ })).rejects.toThrow(/sparsify.tensorValues names "fc9\/kernel", which is not a kernel of the model \(fc1\/kernel, fc2\/kernel, fc3\/kernel\)/);
    expect(steps).toBe(0);
  });

  it('the stage rejects bad options before running', () => {
    expect(() => sparsify(data, { density: 0 })).toThrow(/sparsify/);
    expect(() => sparsify(data, { values: 300 })).toThrow(/sparsify/);
  });
});
