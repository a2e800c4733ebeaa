import * as tf from '@tensorflow/tfjs';
import { SoftshareError } from '@softshare/core';
import { exampleSize, type DataSplit } from '@softshare/data';

/** Result of evaluating a classifier on a split. */
export interface Evaluation {
  /** Misclassified fraction, 0..1. */
  readonly error: number;
  readonly errors: number;
  readonly samples: number;
}

/**
 * Check that a model takes this split's images as [h*w] or [h, w, 1] and has one output
 * of `numClasses` units (when not given: enough units for every label in the split);
 * return the batch shape.
 */
export function inputShapeFor(model: tf.LayersModel, split: DataSplit, numClasses?: number): number[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model with one input and one output, got ${model.inputs.length} input(s) and ${model.outputs.length} output(s)`);
  }
  const shape = model.inputs[0].shape.slice(1) as number[];
  const data = split.shape;
  const px = exampleSize(split);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, k) => v === b[k]);
  // the example as it is, flattened, with a channel axis added (MNIST's [28, 28] into [28, 28, 1]) or a trailing 1 dropped
  const fits = same(shape, data) || same(shape, [px]) || same(shape, [...data, 1]) || (data[data.length - 1] === 1 && same(shape, data.slice(0, -1)));
  if (!fits) {
    const accepted = [[px], data, [...data, 1]].filter((s, k, all) => all.findIndex((t) => same(t, s)) === k).map((s) => `[${s.join(', ')}]`);
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model input of ${accepted.join(' or ')} for examples of shape [${data.join(', ')}], got [${shape.join(', ')}]`);
  }
  const outUnits = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (numClasses !== undefined && outUnits !== numClasses) {
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model with ${numClasses} output classes (the data's), got ${String(outUnits)}`);
  }
  let top = -1;
  for (let i = 0; i < split.count; i++) if (split.labels[i] > top) top = split.labels[i];
  if (typeof outUnits !== 'number' || top >= outUnits) {
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model with an output unit for every label (up to ${top}), got ${String(outUnits)} output units`);
  }
  return shape;
}

/**
 * Error of a classifier on a split: inputs / the split's divisor (then its mean / std) in, argmax out.
 *
 * @example
 * const { error } = evaluate(model, loadMnist().test);
 */
export function evaluate(model: tf.LayersModel, split: DataSplit, batchSize = 2000): Evaluation {
  const shape = inputShapeFor(model, split);
  const px = exampleSize(split);
  let errors = 0;
  for (let i = 0; i < split.count; i += batchSize) {
    const n = Math.min(batchSize, split.count - i);
    const predicted = tf.tidy(() => {
      const values = split.inputs.subarray(i * px, (i + n) * px);
      const raw = values instanceof Uint8Array ? tf.tensor(values, [n, px], 'int32').toFloat() : tf.tensor(values, [n, px], 'float32');
      const scaled = split.divisor === 1 ? raw : raw.div(split.divisor);
      // mean / std per channel broadcast over the example's own last axis, before the model's reshape
      const centred = split.mean ? scaled.reshape([n, ...split.shape]).sub(tf.tensor1d([...split.mean])) : scaled;
      const x = (split.std ? centred.reshape([n, ...split.shape]).div(tf.tensor1d([...split.std])) : centred).reshape([n, ...shape]);
      return (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
    });
    for (let k = 0; k < n; k++) if (predicted[k] !== split.labels[i + k]) errors++;
  }
  return { error: errors / split.count, errors, samples: split.count };
}
