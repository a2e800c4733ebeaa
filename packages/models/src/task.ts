import * as tf from '@tensorflow/tfjs';
import { SoftshareError } from '@softshare/core';
import { targetSize, targetsOf, type DataSplit, type Target, type TaskSpecLike } from '@softshare/data';
import { PASS_THROUGH } from './logits.js';

/** The losses softshare knows by name (Keras's names, dashed). */
export const LOSS_NAMES = ['categorical-crossentropy', 'sparse-categorical-crossentropy', 'binary-crossentropy', 'mse', 'mae'] as const;
export type LossName = (typeof LOSS_NAMES)[number];
/** The metrics softshare knows by name: `error` (misclassified share; for binary targets, the share of units on the wrong side of 0.5), `mse`, `mae`. Lower is better. */
export const METRIC_NAMES = ['error', 'mse', 'mae'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * A loss of your own, as tfjs losses take it: the batch's targets (one-hot rows for a
 * classification target, the values otherwise) and the output as the model gives it;
 * returns the batch mean.
 */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** A metric of your own: one value per example (lower is better), from the targets and the model's output. */
export interface MetricFunction {
  readonly name: string;
  readonly perExample: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
}

/** How one model output is trained and measured. Every field is optional: see `resolveTask`. */
export interface OutputTask {
  readonly loss?: LossName | LossFunction;
  readonly metric?: MetricName | MetricFunction;
  /** The output's share of the training loss (default 1). */
  readonly weight?: number;
  /** For the cross-entropies: whether the output is probabilities or logits (default: read from the output layer's activation). */
  readonly output?: 'probabilities' | 'logits';
}

/** One OutputTask for every model output (or one for a single-output model). */
export type TaskSpec = OutputTask | readonly OutputTask[];

/** One output's task as resolved against the model and the data. */
export interface ResolvedOutput {
  /** The output layer's name. */
  readonly name: string;
  /** The loss's name ('custom' for a LossFunction). */
  readonly loss: LossName | 'custom';
  readonly metric: string;
  readonly weight: number;
  /** One-hot width of a classification target (the output's units); 0 for values. */
  readonly classes: number;
  /** One example's output shape. */
  readonly shape: readonly number[];
  /** Where the loss reads: the tensor before a final softmax / sigmoid Activation layer, logits, or probabilities. */
  readonly reads: 'pre-activation' | 'logits' | 'probabilities' | 'output';
}

/** A task ready to train and evaluate with: the losses of every output and their metrics. */
export interface Task {
  readonly outputs: readonly ResolvedOutput[];
  /** Batch one-hot widths for makeBatch (one per output). */
  readonly classes: readonly number[];
  /** The weighted training loss of a batch. */
  loss(x: tf.Tensor | tf.Tensor[], ys: readonly tf.Tensor[], training: boolean): tf.Scalar;
  /** Per output: the sum over the batch of its metric (not the mean: batches add up). */
  metricSums(x: tf.Tensor | tf.Tensor[], ys: readonly tf.Tensor[]): number[];
  /** Batch tensors of a makeBatch batch's targets. */
  targets(ys: readonly Float32Array[], size: number): tf.Tensor[];
}

/** tfjs / Keras loss names in a training config, to ours. */
const CONFIG_LOSSES: Record<string, LossName> = {
  categorical_crossentropy: 'categorical-crossentropy',
  categoricalcrossentropy: 'categorical-crossentropy',
  sparse_categorical_crossentropy: 'sparse-categorical-crossentropy',
  sparsecategoricalcrossentropy: 'sparse-categorical-crossentropy',
  binary_crossentropy: 'binary-crossentropy',
  binarycrossentropy: 'binary-crossentropy',
  mean_squared_error: 'mse',
  meansquarederror: 'mse',
  mse: 'mse',
  mean_absolute_error: 'mae',
  meanabsoluteerror: 'mae',
  mae: 'mae',
};

/**
 * The task a compiled model carries (compiled in code, or loaded by tfjs from a model.json
 * saved after `compile` with `includeOptimizer`: `model.loss`), one entry per output;
 * undefined when it has none. A loss softshare does not know is one coded line.
 */
export function taskOfModel(model: tf.LayersModel): OutputTask[] | undefined {
  const loss = (model as unknown as { loss?: unknown }).loss;
  return loss === undefined || loss === null ? undefined : lossesToTask(loss, outputNamesOf(model));
}

/**
 * The task of a model.json's training config (`trainingConfig`, or the `training_config`
 * Keras's converter leaves in `modelTopology`): its loss per output, by output name when
 * it is a map; undefined when it names none.
 */
export function taskOfTrainingConfig(config: unknown, outputNames: readonly string[]): OutputTask[] | undefined {
  const loss = (config as { loss?: unknown } | null | undefined)?.loss;
  return loss === undefined || loss === null ? undefined : lossesToTask(loss, outputNames);
}

function lossesToTask(loss: unknown, names: readonly string[]): OutputTask[] {
  const one = (l: unknown): OutputTask => {
    if (typeof l === 'function') return { loss: l as LossFunction };
    const key = String(l).toLowerCase();
    const name = CONFIG_LOSSES[key] ?? CONFIG_LOSSES[key.replace(/_/g, '')];
    if (!name) throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `The model's training config has the loss '${String(l)}'; softshare trains with ${LOSS_NAMES.join(', ')} (give one with --loss, or a loss function in code)`);
    return { loss: name };
  };
  if (Array.isArray(loss)) return loss.map(one);
  if (typeof loss === 'object') return names.map((n) => one((loss as Record<string, unknown>)[n]));
  return names.map(() => one(loss));
}

/** The names of a model's output layers, in order (a loaded Sequential's `outputNames` is empty until compiled). */
export function outputNamesOf(model: tf.LayersModel): string[] {
  return model.outputs.map((t) => (t as unknown as { sourceLayer: { name: string } }).sourceLayer.name);
}


interface OutputLayer {
  readonly activation: string;
  /** The output's own layer is an Activation layer (its input is the pre-activation tensor). */
  readonly activationLayer?: tf.SymbolicTensor;
  readonly layerName: string;
}

function outputLayer(model: tf.LayersModel, k: number): OutputLayer {
  let layer = (model.outputs[k] as unknown as { sourceLayer: tf.layers.Layer }).sourceLayer;
  const own = layer;
  while (PASS_THROUGH.has(layer.getClassName()) && layer.inboundNodes.length > 0 && layer.inboundNodes[0].inboundLayers.length === 1) layer = layer.inboundNodes[0].inboundLayers[0];
  const a = (layer.getConfig() as { activation?: unknown }).activation;
  const activation = a === undefined ? 'linear' : String(a);
  const activationLayer = own === layer && layer.getClassName() === 'Activation' ? (layer.input as tf.SymbolicTensor) : undefined;
  return { activation, ...(activationLayer ? { activationLayer } : {}), layerName: own.name };
}

const specAt = (spec: TaskSpec | undefined, k: number, outputs: number): OutputTask | undefined => {
  if (spec === undefined) return undefined;
  if (Array.isArray(spec)) {
    if (spec.length !== outputs) throw new SoftshareError('E_OPTIONS', 'models', `Expected a task for each of the model's ${outputs} output(s), got ${spec.length}`);
    return spec[k];
  }
  return spec as OutputTask;
};

/**
 * The task of a model on a dataset: for each output, the loss from `spec` (the user's),
 * else the model's training config (`taskOfModel`), else categorical cross-entropy for a
 * classification target and MSE for values; the metric from `spec`, else `error` for the
 * cross-entropies and the loss's own name for MSE / MAE (MSE for a custom loss on values).
 * Checks that every output fits its target (one coded line otherwise): classes need an
 * output of as many units as the data has classes and a softmax or linear (logits) output
 * (binary cross-entropy: sigmoid or linear); values need the output's shape.
 *
 * @example
 * const task = resolveTask(model, data.train, { loss: 'mae' });
 */
export function resolveTask(model: tf.LayersModel, split: Pick<DataSplit, 'labels' | 'targets' | 'count'>, given?: TaskSpec | TaskSpecLike, numClasses?: number): Task {
  // a Dataset's task is declared without tfjs types (@softshare/data): it is a TaskSpec
  const spec = given as TaskSpec | undefined;
  const targets = targetsOf(split);
  if (targets.length !== model.outputs.length) {
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected the data to have one target per model output (${model.outputs.length}: ${outputNamesOf(model).join(', ')}), got ${targets.length}`);
  }
  const own = spec === undefined ? taskOfModel(model) : undefined;
  const heads: tf.SymbolicTensor[] = [];
  const outputs = targets.map((target, k): ResolvedOutput & { fn: LossFunction; metricFn: MetricFunction['perExample']; target: Target } => {
    const task = specAt(spec, k, targets.length) ?? own?.[k] ?? {};
    const layer = outputLayer(model, k);
    const shape = model.outputs[k].shape.slice(1) as number[];
    const units = shape.reduce((a, b) => a * b, 1);
    const where = `output ${outputNamesOf(model)[k]}`;
    const lossName: LossName | 'custom' = typeof task.loss === 'function' ? 'custom' : (task.loss ?? (target.kind === 'classes' ? 'categorical-crossentropy' : 'mse'));
    if (typeof task.loss === 'string' && !(LOSS_NAMES as readonly string[]).includes(task.loss)) throw new SoftshareError('E_OPTIONS', 'models', `Expected a loss of ${LOSS_NAMES.join(', ')}, got '${task.loss}'`);
    const weight = task.weight ?? 1;
    if (!(weight >= 0 && Number.isFinite(weight))) throw new SoftshareError('E_OPTIONS', 'models', `Expected a non-negative loss weight for ${where}, got ${weight}`);
    const categorical = lossName === 'categorical-crossentropy' || lossName === 'sparse-categorical-crossentropy';
    // classes train as one-hot rows; binary cross-entropy, MSE and MAE read a class index as a value
    let classes = 0;
    if (target.kind === 'classes' && (categorical || lossName === 'custom')) {
      let top = -1;
      for (let i = 0; i < split.count; i++) if (target.labels[i] > top) top = target.labels[i];
      if (shape.length !== 1) throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected ${where} of shape [classes] for a classification target, got [${shape.join(', ')}]`);
      if (numClasses !== undefined && k === 0 && units !== numClasses) throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model with ${numClasses} output classes (the data's), got ${units}`);
      if (top >= units) throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model with an output unit for every label (up to ${top}), got ${units} output units`);
      classes = units;
    } else if (categorical) {
      throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `${lossName} needs class labels for ${where}; these targets are values of shape [${(target as { shape: readonly number[] }).shape.join(', ')}] (use mse, mae or binary-crossentropy)`);
    } else {
      const size = targetSize(target);
      if (size !== units) throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected ${where} of ${size} value(s) per example (the targets'), got shape [${shape.join(', ')}]`);
    }
    if (lossName === 'binary-crossentropy' && target.kind === 'classes') {
      for (let i = 0; i < split.count; i++) if (target.labels[i] > 1) throw new SoftshareError('E_DATA_MISMATCH', 'models', `binary-crossentropy needs targets of 0 and 1 for ${where}, got ${target.labels[i]}`);
    }
    // where the loss reads the output
    let reads: ResolvedOutput['reads'] = 'output';
    if (categorical || lossName === 'binary-crossentropy') {
      const squash = categorical ? 'softmax' : 'sigmoid';
      const told = task.output;
      if (told === 'logits' || (told === undefined && layer.activation === 'linear')) reads = 'logits';
      else if (layer.activation === squash || told === 'probabilities') reads = layer.activationLayer && layer.activation === squash ? 'pre-activation' : 'probabilities';
      else throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected ${where} to output ${categorical ? 'class probabilities (softmax)' : 'probabilities (sigmoid)'} or logits (linear) for ${lossName}, got activation '${layer.activation}' on layer ${layer.layerName} (or say which with output: 'probabilities' | 'logits')`);
    }
    heads.push(reads === 'pre-activation' ? layer.activationLayer! : model.outputs[k]);
    const fn = lossFunction(lossName, task.loss, reads);
    const metricName = typeof task.metric === 'object' ? task.metric.name : (task.metric ?? defaultMetric(task.loss, target.kind));
    if (typeof task.metric === 'string' && !(METRIC_NAMES as readonly string[]).includes(task.metric)) throw new SoftshareError('E_OPTIONS', 'models', `Expected a metric of ${METRIC_NAMES.join(', ')}, got '${task.metric}'`);
    if (metricName === 'error' && classes === 0 && lossName !== 'binary-crossentropy') throw new SoftshareError('E_OPTIONS', 'models', `The metric 'error' needs class labels or binary targets for ${where}; use mse or mae`);
    const metricFn = typeof task.metric === 'object' ? task.metric.perExample : metricFunction(metricName as MetricName, classes > 0, reads === 'logits');
    return { name: outputNamesOf(model)[k], loss: lossName, metric: metricName, weight, classes, shape, reads, fn, metricFn, target };
  });
  const changed = heads.some((h, k) => h !== model.outputs[k]);
  const body = changed ? tf.model({ inputs: model.inputs, outputs: heads }) : model;
  const forward = (x: tf.Tensor | tf.Tensor[], training: boolean): tf.Tensor[] => {
    const out = body.apply(x, { training }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out : [out];
  };
  return {
    outputs: outputs.map(({ fn: _f, metricFn: _m, target: _t, ...o }) => o),
    classes: outputs.map((o) => o.classes),
    loss(x, ys, training) {
      const hs = forward(x, training);
      let total: tf.Scalar | undefined;
      outputs.forEach((o, k) => {
        const l = o.fn(ys[k], hs[k]);
        const weighted = o.weight === 1 ? l : (tf.mul(l, o.weight) as tf.Scalar);
        total = total ? (tf.add(total, weighted) as tf.Scalar) : weighted;
      });
      return total!;
    },
    metricSums(x, ys) {
      return tf.tidy(() => {
        const out = model.predict(x);
        const preds = Array.isArray(out) ? out : [out as tf.Tensor];
        return outputs.map((o, k) => tf.sum(o.metricFn(ys[k], preds[k])).dataSync()[0]);
      });
    },
    targets(ys, size) {
      return outputs.map((o, k) => tf.tensor(ys[k], [size, ...(o.classes > 0 ? [o.classes] : o.shape)]));
    },
  };
}

/**
 * The metric of an output whose task names none: error for the cross-entropies (a class
 * target's default loss) and for a loss of one's own on classes, MAE for MAE, else MSE.
 */
export function defaultMetric(loss: unknown, targets: Target['kind']): MetricName {
  if (loss === 'mae') return 'mae';
  if (loss === 'mse') return 'mse';
  if (typeof loss === 'string') return 'error'; // the cross-entropies
  return targets === 'classes' ? 'error' : 'mse'; // no loss (cross-entropy or MSE by the targets) or one's own
}

/** The batch loss of one output from its targets and what it reads. */
function lossFunction(name: LossName | 'custom', custom: OutputTask['loss'], reads: ResolvedOutput['reads']): LossFunction {
  if (name === 'custom') return custom as LossFunction;
  if (name === 'mse') return (y, h) => tf.losses.meanSquaredError(y, h) as tf.Scalar;
  if (name === 'mae') return (y, h) => tf.losses.absoluteDifference(y, h) as tf.Scalar;
  const logits = reads === 'logits' || reads === 'pre-activation';
  if (name === 'binary-crossentropy') {
    if (logits) return (y, h) => tf.losses.sigmoidCrossEntropy(y, h) as tf.Scalar;
    return (y, p) => {
      const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
      return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(q)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q)))))) as tf.Scalar;
    };
  }
  // categorical: the log of probabilities gives the same cross-entropy as logits
  if (logits) return (y, h) => tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
  return (y, p) => tf.losses.softmaxCrossEntropy(y, tf.log(tf.clipByValue(p, 1e-7, 1))) as tf.Scalar;
}

/** Per-example values of a named metric on the model's output (probabilities, logits or values). */
function metricFunction(name: MetricName, classes: boolean, logits: boolean): MetricFunction['perExample'] {
  const perExample = (t: tf.Tensor) => (t.rank > 1 ? tf.mean(t.reshape([t.shape[0], -1]), 1) : t);
  if (name === 'mse') return (y, p) => perExample(tf.squaredDifference(y.reshape(p.shape), p));
  if (name === 'mae') return (y, p) => perExample(tf.abs(tf.sub(y.reshape(p.shape), p)));
  if (classes) return (y, p) => tf.notEqual(tf.argMax(y, -1), tf.argMax(p, -1)).toFloat();
  // binary targets: the share of units on the wrong side of 0.5 (0 for logits)
  return (y, p) => perExample(tf.notEqual(tf.greater(y.reshape(p.shape), 0.5), tf.greater(p, logits ? 0 : 0.5)).toFloat());
}
