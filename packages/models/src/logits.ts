import * as tf from '@tensorflow/tfjs';

/**
 * The function from inputs to logits for a classifier whose last layer is a softmax
 * activation (as softshare's models are), or whose last dense layer has a softmax
 * activation (as many user models do; then log-probabilities are returned, which give
 * the same cross-entropy).
 */
export function logitsFn(model: tf.LayersModel): (x: tf.Tensor, training: boolean) => tf.Tensor {
  const last = model.layers[model.layers.length - 1];
  const cfg = last.getConfig() as { activation?: string };
  if (last.getClassName() === 'Activation' && cfg.activation === 'softmax') {
    const body = tf.model({ inputs: model.inputs, outputs: model.layers[model.layers.length - 2].output as tf.SymbolicTensor });
    return (x, training) => body.apply(x, { training }) as tf.Tensor;
  }
  return (x, training) => tf.log(tf.clipByValue(model.apply(x, { training }) as tf.Tensor, 1e-7, 1));
}

/** Mean softmax cross-entropy of logits against one-hot labels. */
export function crossEntropy(logits: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
}
