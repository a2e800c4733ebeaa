import * as tf from '@tensorflow/tfjs';

/** The networks softshare ships, by the names the CLI accepts. */
export const MODEL_NAMES = ['lenet-300-100', 'lenet-5-caffe'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Input shape (without the batch) each network takes: raw pixels / 255. */
export const INPUT_SHAPES: Record<ModelName, number[]> = {
  'lenet-300-100': [784],
  'lenet-5-caffe': [28, 28, 1],
};

function init(seed: number, k: number) {
  return tf.initializers.glorotUniform({ seed: seed * 1000 + k });
}

/**
 * LeNet-300-100: dense 784-300-100-10 with ReLU; 266,200 weights + 410 biases. The last
 * dense layer emits logits and a separate softmax layer turns them into probabilities,
 * so training can use the logits while users get probabilities from `predict`.
 *
 * @example
 * const model = lenet300100(1);
 * model.predict(tf.zeros([1, 784]));
 */
export function lenet300100(seed = 1): tf.LayersModel {
  const input = tf.input({ shape: [784], name: 'pixels' });
  let h = tf.layers.dense({ units: 300, activation: 'relu', name: 'fc1', kernelInitializer: init(seed, 1) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 100, activation: 'relu', name: 'fc2', kernelInitializer: init(seed, 2) }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, name: 'fc3', kernelInitializer: init(seed, 3) }).apply(h) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ activation: 'softmax', name: 'softmax' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probs, name: 'lenet-300-100' });
}

/**
 * LeNet-5-Caffe: conv 20@5x5 valid -> maxpool 2 -> conv 50@5x5 valid -> maxpool 2 ->
 * dense 500 ReLU -> dense 10; no ReLU after the convolutions, as in the Caffe file.
 * 430,500 weights + 580 biases. Input [28, 28, 1] pixels / 255.
 *
 * @example
 * const model = lenet5Caffe(1);
 * model.predict(tf.zeros([1, 28, 28, 1]));
 */
export function lenet5Caffe(seed = 1): tf.LayersModel {
  const input = tf.input({ shape: [28, 28, 1], name: 'pixels' });
  let h = tf.layers.conv2d({ filters: 20, kernelSize: 5, padding: 'valid', name: 'conv1', kernelInitializer: init(seed, 1) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.conv2d({ filters: 50, kernelSize: 5, padding: 'valid', name: 'conv2', kernelInitializer: init(seed, 2) }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool2' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 500, activation: 'relu', name: 'fc1', kernelInitializer: init(seed, 3) }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, name: 'fc2', kernelInitializer: init(seed, 4) }).apply(h) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ activation: 'softmax', name: 'softmax' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probs, name: 'lenet-5-caffe' });
}

/** Build a shipped architecture by name with fresh weights. */
export function buildModel(name: ModelName, seed = 1): tf.LayersModel {
  return name === 'lenet-300-100' ? lenet300100(seed) : lenet5Caffe(seed);
}
