import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@softshare/backend';
import { errorLine, Rng } from '@softshare/core';
import { makeBatch, type Dataset, type DataSplit } from '@softshare/data';
import { crossEntropy, evaluate, logitsFn, pretrain, resolveTask, taskOfModel, taskOfTrainingConfig } from './index.js';

beforeAll(async () => {
  await selectBackend({ backend: 'cpu' });
});

const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

/** y = 2 x0 - x1 + 0.5 (+ a little noise): a regression target of shape [1]. */
function regression(count: number, seed: number): DataSplit {
  const rng = new Rng(seed);
  const inputs = Float32Array.from({ length: count * 2 }, () => rng.next() * 2 - 1);
  const values = Float32Array.from({ length: count }, (_, i) => 2 * inputs[2 * i] - inputs[2 * i + 1] + 0.5 + (rng.next() - 0.5) * 0.02);
  return { count, shape: [2], inputs, divisor: 1, targets: [{ kind: 'values', values, shape: [1] }] };
}

function regressor(activation: 'linear' | 'relu' = 'linear'): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [2], activation: 'tanh', kernelInitializer: seeded(1) }), tf.layers.dense({ units: 1, activation, kernelInitializer: seeded(2) })] });
}

/** A functional model with two heads: 3 classes (softmax) and one value. */
function twoHeads(): tf.LayersModel {
  const input = tf.input({ shape: [2] });
  const h = tf.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: seeded(3) }).apply(input) as tf.SymbolicTensor;
  const cls = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: seeded(4), name: 'cls' }).apply(h) as tf.SymbolicTensor;
  const val = tf.layers.dense({ units: 1, kernelInitializer: seeded(5), name: 'val' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [cls, val] });
}

function twoHeadSplit(count: number, seed: number): DataSplit {
  const base = regression(count, seed);
  const labels = Uint8Array.from({ length: count }, (_, i) => (base.inputs[2 * i] > 0.3 ? 2 : base.inputs[2 * i] > -0.3 ? 1 : 0));
  return { ...base, targets: [{ kind: 'classes', labels }, base.targets![0]] };
}

describe('the task: loss and metric per output', () => {
  it('trains a regression model on MSE and reports its MSE (MAE when asked), as computed by hand', async () => {
    const model = regressor();
    const data: Dataset = { name: 'reg', train: regression(256, 1), validation: regression(64, 2), test: regression(128, 3) };
    const before = evaluate(model, data.test);
    expect(before.metric).toBe('mse');
    expect(before.errors).toBeUndefined();
    const history = await pretrain(model, data, { epochs: 30, batchSize: 32, learningRate: 0.01, lrDecay: 1 });
    const after = evaluate(model, data.test);
    expect(after.error).toBeLessThan(before.error / 10);
    expect(history[history.length - 1].validationError).toBeLessThan(before.error / 10);
    // by hand
    const t = data.test;
    const p = (model.predict(tf.tensor2d(t.inputs as Float32Array, [t.count, 2])) as tf.Tensor).dataSync();
    const y = t.targets![0].kind === 'values' ? t.targets![0].values : new Float32Array();
    let se = 0;
    let ae = 0;
    for (let i = 0; i < t.count; i++) (se += (p[i] - y[i]) ** 2), (ae += Math.abs(p[i] - y[i]));
    expect(after.error).toBeCloseTo(se / t.count, 5);
    const mae = evaluate(model, t, { task: { loss: 'mae' } });
    expect([mae.metric, mae.error]).toEqual(['mae', expect.closeTo(ae / t.count, 5)]);
  });

  it('a relu-output regressor is taken as it is (no activation check outside the cross-entropies)', () => {
    expect(resolveTask(regressor('relu'), regression(4, 1)).outputs[0]).toMatchObject({ loss: 'mse', metric: 'mse', reads: 'output' });
  });

  it('reads a classifier as before: the loss before a final softmax layer equals the logits cross-entropy', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], kernelInitializer: seeded(6) }), tf.layers.activation({ activation: 'softmax' })] });
    const split: DataSplit = { count: 3, shape: [2], inputs: Float32Array.from([0.1, 0.2, -1, 0.5, 2, -0.3]), divisor: 1, labels: Uint8Array.from([2, 0, 1]) };
    const task = resolveTask(model, split);
    expect(task.outputs[0]).toMatchObject({ loss: 'categorical-crossentropy', metric: 'error', classes: 3, reads: 'pre-activation' });
    const b = makeBatch(split, [0, 1, 2], task.classes);
    const x = tf.tensor2d(b.x, [3, 2]);
    const got = task.loss(x, task.targets(b.ys, 3), false).dataSync()[0];
    const want = crossEntropy(logitsFn(model)(x, false), tf.tensor2d(b.ys[0], [3, 3])).dataSync()[0];
    expect(got).toBe(want);
  });

  it('weighs the losses of a multi-output model and reports every output', () => {
    const model = twoHeads();
    const split = twoHeadSplit(16, 4);
    const task = resolveTask(model, split, [{ weight: 0.5 }, { loss: 'mae', weight: 2 }]);
    expect(task.outputs.map((o) => [o.name, o.loss, o.metric, o.weight])).toEqual([
      ['cls', 'categorical-crossentropy', 'error', 0.5],
      ['val', 'mae', 'mae', 2],
    ]);
    const b = makeBatch(split, Array.from({ length: 16 }, (_, i) => i), task.classes);
    const x = tf.tensor2d(b.x, [16, 2]);
    const ys = task.targets(b.ys, 16);
    const [p, v] = model.predict(x) as tf.Tensor[];
    const ce = tf.losses.softmaxCrossEntropy(ys[0], tf.log(tf.clipByValue(p, 1e-7, 1))).dataSync()[0];
    const mae = tf.losses.absoluteDifference(ys[1], v).dataSync()[0];
    expect(task.loss(x, ys, false).dataSync()[0]).toBeCloseTo(0.5 * ce + 2 * mae, 5);
    const e = evaluate(model, split, { task: [{}, { loss: 'mae' }] });
    expect(e.outputs.map((o) => [o.name, o.metric])).toEqual([
      ['cls', 'error'],
      ['val', 'mae'],
    ]);
    expect(e.outputs[1].value).toBeCloseTo(mae, 5);
  });

  it('trains with a loss and a metric of the user', () => {
    const model = regressor();
    const split = regression(8, 5);
    const huber = (y: tf.Tensor, p: tf.Tensor) => tf.losses.huberLoss(y, p) as tf.Scalar;
    const within = { name: 'off by more than 0.1', perExample: (y: tf.Tensor, p: tf.Tensor) => tf.greater(tf.abs(tf.sub(y, p)), 0.1).toFloat().reshape([-1]) };
    const task = resolveTask(model, split, { loss: huber, metric: within });
    expect(task.outputs[0]).toMatchObject({ loss: 'custom', metric: 'off by more than 0.1' });
    const e = evaluate(model, split, { task: { loss: huber, metric: within } });
    expect(e.metric).toBe('off by more than 0.1');
    expect(e.error).toBeGreaterThanOrEqual(0);
    expect(e.error).toBeLessThanOrEqual(1);
  });

  it('binary cross-entropy on a sigmoid output with 0/1 labels: error is the share on the wrong side of 0.5', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], activation: 'sigmoid', kernelInitializer: seeded(7) })] });
    const split: DataSplit = { count: 4, shape: [2], inputs: Float32Array.from([1, 0, 0, 1, -1, 0, 0, -1]), divisor: 1, labels: Uint8Array.from([1, 1, 0, 0]) };
    const task = resolveTask(model, split, { loss: 'binary-crossentropy' });
    expect(task.outputs[0]).toMatchObject({ metric: 'error', classes: 0, reads: 'probabilities' });
    const p = (model.predict(tf.tensor2d(split.inputs as Float32Array, [4, 2])) as tf.Tensor).dataSync();
    const wrong = [...p].filter((q, i) => q > 0.5 !== (split.labels![i] === 1)).length;
    expect(evaluate(model, split, { task: { loss: 'binary-crossentropy' } }).error).toBe(wrong / 4);
  });

  it("reads the loss of a model saved after compile (model.json's training config)", async () => {
    const model = regressor();
    model.compile({ optimizer: 'adam', loss: 'meanAbsoluteError' });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer: true });
    expect(saved?.trainingConfig).toBeDefined();
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(taskOfModel(loaded)).toEqual([{ loss: 'mae' }]);
    expect(resolveTask(loaded, regression(4, 1)).outputs[0]).toMatchObject({ loss: 'mae', metric: 'mae' });
    // the user's spec wins
    expect(resolveTask(loaded, regression(4, 1), { loss: 'mse' }).outputs[0].loss).toBe('mse');
    // Keras's converter leaves the config in modelTopology, with a loss per output name
    expect(taskOfTrainingConfig({ loss: { val: 'mean_squared_error', cls: 'categorical_crossentropy' } }, ['cls', 'val'])).toEqual([{ loss: 'categorical-crossentropy' }, { loss: 'mse' }]);
    expect(taskOfTrainingConfig({ optimizer_config: {} }, ['cls'])).toBeUndefined();
    const hinge = regressor();
    hinge.compile({ optimizer: 'adam', loss: 'hinge' });
    expect(errorLine(() => taskOfModel(hinge))).toMatch(/^E_MODEL_INCOMPATIBLE: The model's training config has the loss 'hinge'; softshare trains with categorical-crossentropy, /);
  });

  it('refuses a task that does not fit the model or the data, in one coded line', () => {
    const values = regression(4, 1);
    const classes: DataSplit = { ...values, targets: undefined, labels: Uint8Array.from([0, 1, 2, 3]) };
    expect(errorLine(() => resolveTask(regressor(), values, { loss: 'categorical-crossentropy' }))).toMatch(
      /^E_MODEL_INCOMPATIBLE: categorical-crossentropy needs class labels for output \S+; these targets are values of shape \[1\] \(use mse, mae or binary-crossentropy\)$/,
    );
    expect(errorLine(() => resolveTask(twoHeads(), values))).toMatch(/^E_MODEL_INCOMPATIBLE: Expected the data to have one target per model output \(2: cls, val\), got 1$/);
    expect(errorLine(() => resolveTask(regressor(), { ...values, targets: [{ kind: 'values', values: new Float32Array(8), shape: [2] }] }))).toMatch(/^E_MODEL_INCOMPATIBLE: Expected output \S+ of 2 value\(s\) per example \(the targets'\), got shape \[1\]$/);
    expect(errorLine(() => resolveTask(regressor('relu'), classes, { loss: 'sparse-categorical-crossentropy' }))).toMatch(/^E_MODEL_INCOMPATIBLE: Expected a model with an output unit for every label \(up to 3\), got 1 output units$/);
    expect(errorLine(() => resolveTask(regressor(), values, { loss: 'hinge' as 'mse' }))).toMatch(/^E_OPTIONS: Expected a loss of categorical-crossentropy, /);
    expect(errorLine(() => resolveTask(regressor(), values, { metric: 'error' }))).toMatch(/^E_OPTIONS: The metric 'error' needs class labels or binary targets/);
    expect(errorLine(() => resolveTask(twoHeads(), twoHeadSplit(4, 1), [{}]))).toBe("E_OPTIONS: Expected a task for each of the model's 2 output(s), got 1");
  });
});
