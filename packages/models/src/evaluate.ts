import * as tf from '@tensorflow/tfjs';
import { SoftshareError } from '@softshare/core';
import type { ImageSplit } from '@softshare/data';

/** Result of evaluating a classifier on a split. */
export interface Evaluation {
  /** Misclassified fraction, 0..1. */
  readonly error: number;
  readonly errors: number;
  readonly samples: number;
}

/** Check that a model takes this split's images as [h*w] or [h, w, 1]; return the batch shape. */
export function inputShapeFor(model: tf.LayersModel, split: ImageSplit): number[] {
  const shape = model.inputs[0].shape.slice(1) as number[];
  const px = split.height * split.width;
  const fits = (shape.length === 1 && shape[0] === px) ||
    (shape.length === 3 && shape[0] === split.height && shape[1] === split.width && shape[2] === 1) ||
    (shape.length === 2 && shape[0] === split.height && shape[1] === split.width);
  if (!fits) {
    throw new SoftshareError(
      'E_MODEL_INCOMPATIBLE',
      'models',
      `Expected a model input of [${px}] or [${split.height}, ${split.width}, 1] for ${split.height}x${split.width} images, got [${shape.join(', ')}]`,
    );
  }
  const outUnits = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (outUnits !== 10) {
    throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'models', `Expected a model with 10 output classes, got ${String(outUnits)}`);
  }
  return shape;
}

/**
 * Test error of a classifier on a split: pixels / 255 in, argmax out.
 *
 * @example
 * const { error } = evaluate(model, loadMnist().test);
 */
export function evaluate(model: tf.LayersModel, split: ImageSplit, batchSize = 2000): Evaluation {
  const shape = inputShapeFor(model, split);
  const px = split.height * split.width;
  let errors = 0;
  for (let i = 0; i < split.count; i += batchSize) {
    const n = Math.min(batchSize, split.count - i);
    const predicted = tf.tidy(() => {
      const x = tf.tensor(split.images.subarray(i * px, (i + n) * px), [n, px], 'int32').toFloat().div(255).reshape([n, ...shape]);
      return (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
    });
    for (let k = 0; k < n; k++) if (predicted[k] !== split.labels[i + k]) errors++;
  }
  return { error: errors / split.count, errors, samples: split.count };
}
