import * as tf from '@tensorflow/tfjs';
import { SoftshareError } from '@softshare/core';
import { inputArrays, makeBatch, type Batch, type DataSplit, type TaskSpecLike } from '@softshare/data';
import { resolveTask, type TaskSpec } from './task.js';

/** What one output scored on a split. */
export interface OutputEvaluation {
  readonly name: string;
  readonly metric: string;
  readonly value: number;
}

/** Result of evaluating a model on a split. */
export interface Evaluation {
  /** The (first) output's metric, lower is better: the misclassified share 0..1 for a classifier, MSE or MAE for regression. */
  readonly error: number;
  /** The metric's name: 'error', 'mse', 'mae' or a custom metric's. */
  readonly metric: string;
  /** Misclassified examples, for the metric 'error'. */
  readonly errors?: number;
  readonly samples: number;
  /** Every output's metric (one entry for a single-output model). */
  readonly outputs: readonly OutputEvaluation[];
}

/** The batch shape a model input of `shape` takes examples of `data` in: as they are, flattened, with a channel axis added or a trailing 1 dropped. */
function fitInput(shape: number[], data: readonly number[], what: string): number[] {
  const px = data.reduce((a, b) => a * b, 1);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, k) => v === b[k]);
  const fits = same(shape, data) || same(shape, [px]) || same(shape, [...data, 1]) || (data[data.length - 1] === 1 && same(shape, data.slice(0, -1)));
  if (!fits) {
    const accepted = [[px], data, [...data, 1]].filter((s, k, all) => all.findIndex((t) => same(t, s)) === k).map((s) => `[${s.join(', ')}]`);
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model input${what} of ${accepted.join(' or ')} for examples of shape [${data.join(', ')}], got [${shape.join(', ')}]`);
  }
  return shape;
}

/**
 * Check that a model's inputs take this split's examples, one input array per model input
 * (`DataSplit.moreInputs` after the first), each as it is, flattened, with a channel axis
 * added (MNIST's [28, 28] into [28, 28, 1]) or a trailing 1 dropped; return each input's
 * batch shape.
 */
export function inputShapesFor(model: tf.LayersModel, split: DataSplit): number[][] {
  const arrays = inputArrays(split);
  if (model.inputs.length !== arrays.length) {
    const names = model.inputNames.join(', ');
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected data with one input array per model input (${model.inputs.length}: ${names}), got ${arrays.length}${model.inputs.length > 1 ? ' (a data manifest lists several .npy files as "inputs")' : ''}`);
  }
  const many = arrays.length > 1;
  return model.inputs.map((t, k) => fitInput(t.shape.slice(1) as number[], arrays[k].shape, many ? ` ${k + 1} (${model.inputNames[k]})` : ''));
}

/** A batch's inputs as tensors of the shapes `inputShapesFor` gave: one tensor for a model with one input, else one per input. */
export function inputTensors(batch: Batch, shapes: readonly (readonly number[])[]): tf.Tensor | tf.Tensor[] {
  const ts = shapes.map((s, k) => tf.tensor(batch.xs[k], [batch.size, ...s]));
  return ts.length === 1 ? ts[0] : ts;
}

/**
 * Check that a model has one input that takes this split's examples (`inputShapesFor`,
 * for the code that handles one input only); return the batch shape. When `numClasses`
 * is given, also check the (first) output has that many units. (Outputs against
 * targets: `resolveTask`.)
 */
export function inputShapeFor(model: tf.LayersModel, split: DataSplit, numClasses?: number): number[] {
  if (model.inputs.length !== 1) {
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model with one input, got ${model.inputs.length} inputs`);
  }
  const [shape] = inputShapesFor(model, split);
  const outUnits = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (numClasses !== undefined && outUnits !== numClasses) {
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model with ${numClasses} output classes (the data's), got ${String(outUnits)}`);
  }
  return shape;
}

export interface EvaluateOptions {
  /** The task (loss and metric per output); default as `resolveTask`: the model's training config, else error for classes and MSE for values. */
  readonly task?: TaskSpec | TaskSpecLike;
  readonly batchSize?: number;
}

/**
 * A model's metric on a split, per output: inputs / the split's divisor (then its mean /
 * std) in, the task's metric out (the misclassified share for a classifier).
 *
 * @example
 * const { error } = evaluate(model, loadMnist().test);
 * const { error: mae } = evaluate(regressor, data.test, { task: { loss: 'mae' } });
 */
export function evaluate(model: tf.LayersModel, split: DataSplit, options: EvaluateOptions = {}): Evaluation {
  const shapes = inputShapesFor(model, split);
  const task = resolveTask(model, split, options.task);
  const batchSize = options.batchSize ?? 2000;
  const sums = task.outputs.map(() => 0);
  const all = Int32Array.from({ length: split.count }, (_, i) => i);
  for (let i = 0; i < split.count; i += batchSize) {
    const batch = makeBatch(split, all.subarray(i, Math.min(split.count, i + batchSize)), task.classes);
    const got = tf.tidy(() => task.metricSums(inputTensors(batch, shapes), task.targets(batch.ys, batch.size)));
    got.forEach((v, k) => (sums[k] += v));
  }
  const outputs = task.outputs.map((o, k) => ({ name: o.name, metric: o.metric, value: sums[k] / split.count }));
  const first = task.outputs[0];
  return {
    error: outputs[0].value,
    metric: first.metric,
    ...(first.metric === 'error' && first.classes > 0 ? { errors: Math.round(sums[0]) } : {}),
    samples: split.count,
    outputs,
  };
}
