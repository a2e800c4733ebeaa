import * as tf from '@tensorflow/tfjs';
import { SoftshareError } from '@softshare/core';

/** Layers that pass their input through at inference: a classifier's output is read from the layer before them. */
export const PASS_THROUGH = new Set(['Dropout', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D']);

/**
 * What a classifier's output is, read from its last layer: `softmax-layer` (a separate
 * softmax Activation layer, as softshare's models end), `probabilities` (a layer with a
 * softmax activation, e.g. Dense(softmax)) or `logits` (a linear activation). Any other
 * last activation (sigmoid, relu, ...) is refused: cross-entropy over it would train a
 * different model than the user's. Dropout-like layers at the end are looked through.
 */
export function classifierOutput(model: tf.LayersModel): 'softmax-layer' | 'probabilities' | 'logits' {
  let i = model.layers.length - 1;
  while (i > 0 && PASS_THROUGH.has(model.layers[i].getClassName())) i--;
  const last = model.layers[i];
  const activation = (last.getConfig() as { activation?: unknown }).activation;
  if (activation === 'softmax') return last.getClassName() === 'Activation' && i === model.layers.length - 1 ? 'softmax-layer' : 'probabilities';
  if (activation === 'linear' || (activation === undefined && last.getClassName() !== 'Activation')) return 'logits';
  throw new SoftshareError(
    'E_MODEL_INCOMPATIBLE',
    'models',
    `Expected a classifier whose last layer outputs class probabilities (softmax) or logits (linear), got activation '${String(activation)}' on layer ${last.name}`,
  );
}

/**
 * The function from inputs to logits (or log-probabilities, which give the same
 * cross-entropy) of a classifier, by `classifierOutput`: the body before a final softmax
 * layer, the log of a softmax layer's probabilities, or a linear output as it is.
 */
export function logitsFn(model: tf.LayersModel): (x: tf.Tensor | tf.Tensor[], training: boolean) => tf.Tensor {
  const kind = classifierOutput(model);
  if (kind === 'softmax-layer') {
    const body = tf.model({ inputs: model.inputs, outputs: model.layers[model.layers.length - 2].output as tf.SymbolicTensor });
    return (x, training) => body.apply(x, { training }) as tf.Tensor;
  }
  if (kind === 'logits') return (x, training) => model.apply(x, { training }) as tf.Tensor;
  return (x, training) => tf.log(tf.clipByValue(model.apply(x, { training }) as tf.Tensor, 1e-7, 1));
}

/** Mean softmax cross-entropy of logits against one-hot labels. */
export function crossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
}
