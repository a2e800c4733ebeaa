import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@softshare/backend';
import { isSoftshareError } from '@softshare/core';
import { classifierOutput, crossEntropy, logitsFn } from './index.js';

/** The same 4 -> 3 classifier ending four ways; the weights are shared. */
function variants() {
  const dense = (activation: string) => tf.layers.dense({ units: 3, inputShape: [4], activation: activation as 'linear', kernelInitializer: 'glorotUniform', name: `d_${activation}` });
  const linear = tf.sequential({ layers: [dense('linear')] });
  const softmax = tf.sequential({ layers: [dense('softmax')] });
  const layer = tf.sequential({ layers: [dense('linear'), tf.layers.activation({ activation: 'softmax' })] });
  const dropped = tf.sequential({ layers: [dense('softmax'), tf.layers.dropout({ rate: 0.5 })] });
  const w = linear.getWeights();
  for (const m of [softmax, layer, dropped]) m.layers[0].setWeights(w);
  return { linear, softmax, layer, dropped };
}

beforeAll(async () => {
  await selectBackend({ backend: 'cpu' });
});

describe('classifier output', () => {
  it('reads logits, probabilities or a softmax layer from the last layer, and gives every one the same cross-entropy', () => {
    const m = variants();
    expect([m.linear, m.softmax, m.layer, m.dropped].map(classifierOutput)).toEqual(['logits', 'probabilities', 'softmax-layer', 'probabilities']);
    const x = tf.tensor2d([[0.5, -1, 2, 0.1], [1, 1, -1, 0], [-2, 0.3, 0.7, 1.5]]);
    const y = tf.oneHot(tf.tensor1d([2, 0, 1], 'int32'), 3);
    const ce = (model: tf.LayersModel) => crossEntropy(logitsFn(model)(x, false), y).dataSync()[0];
    const want = ce(m.layer);
    // a linear last layer is taken as logits, not as probabilities to clip and log
    expect(ce(m.linear)).toBeCloseTo(want, 5);
    expect(ce(m.softmax)).toBeCloseTo(want, 5);
    expect(ce(m.dropped)).toBeCloseTo(want, 5);
  });

  it('refuses a last activation that is neither softmax nor linear, in one coded line', () => {
    const sigmoid = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'sigmoid', name: 'out' })] });
    let error: unknown;
    try {
      logitsFn(sigmoid);
    } catch (e) {
      error = e;
    }
    expect(isSoftshareError(error, 'E_MODEL_INCOMPATIBLE') && error.message).toBe("Expected a classifier whose last layer outputs class probabilities (softmax) or logits (linear), got activation 'sigmoid' on layer out");
  });
});
