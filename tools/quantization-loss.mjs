#!/usr/bin/env node
// Where quantisation costs accuracy: from a retraining checkpoint of LeNet-300-100 or
// LeNet-5-Caffe, the test error of the float weights, with only the zero component's
// weights set to 0, with only the others snapped to their component means, and both (MAP).
//   node tools/quantization-loss.mjs <checkpoint dir> [--net lenet-300-100]
import * as tf from '@tensorflow/tfjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { loadMnist } from '@softshare/data';
import { evaluate, pretrainedModelPath } from '@softshare/models';
import { assignComponents, toMixture } from '@softshare/prior';
import { loadCheckpoint } from '@softshare/retrain';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
await selectBackend({});
const data = loadMnist('mnist');
const state = loadCheckpoint(process.argv[2]);
const mixture = toMixture(state.mixture);
const model = await tf.loadLayersModel(fileIO(pretrainedModelPath(arg('--net', 'lenet-300-100'))));
const errorWith = (f) => {
  model.setWeights(state.weights.map((w) => tf.tensor(w.name.endsWith('/kernel') ? f(w.values) : w.values, w.shape)));
  return `${(100 * evaluate(model, data.test).error).toFixed(2)}%`;
};
const snap = (zeros, others) => (v) => {
  const a = assignComponents(mixture, v);
  return Float32Array.from(v, (x, i) => (a[i] === 0 ? (zeros ? 0 : x) : others ? mixture.means[a[i]] : x));
};
console.log(`checkpoint after epoch ${state.epoch}`);
console.log('float weights              ', errorWith((v) => v));
console.log('zero component set to 0    ', errorWith(snap(true, false)));
console.log('others snapped to the means', errorWith(snap(false, true)));
console.log('both (MAP quantisation)    ', errorWith(snap(true, true)));
