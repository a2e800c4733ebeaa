import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { freezeBatchNorm } from './index.js';

describe('freezeBatchNorm', () => {
  it('makes a BatchNormalization (also inside a nested model) compute its inference form when training, and takes gamma and beta out of the trainable weights', () => {
    const inner = tf.sequential({ name: 'inner', layers: [tf.layers.dense({ inputShape: [4], units: 3, name: 'd' }), tf.layers.batchNormalization({ name: 'bn_in' })] });
    const model = tf.sequential({ layers: [inner, tf.layers.batchNormalization({ name: 'bn_out' }), tf.layers.dense({ units: 2, name: 'o' })] });
    const x = tf.randomNormal([5, 4], 3, 2, 'float32', 1);
    const trainingBefore = (model.apply(x, { training: true }) as tf.Tensor).dataSync();
    const inference = (model.apply(x, { training: false }) as tf.Tensor).dataSync();
    expect(Array.from(trainingBefore)).not.toEqual(Array.from(inference)); // batch statistics differ from (0, 1)
    expect(freezeBatchNorm(model).sort()).toEqual(['bn_in', 'bn_out']);
    expect(Array.from((model.apply(x, { training: true }) as tf.Tensor).dataSync())).toEqual(Array.from(inference));
    expect(model.trainableWeights.map((w) => w.originalName).sort()).toEqual(['d/bias', 'd/kernel', 'o/bias', 'o/kernel']);
  });
});
