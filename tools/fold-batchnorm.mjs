#!/usr/bin/env node
// BatchNormalization folded at decode time (swsIO(bytes, { foldBatchNorm: true })) against
// the model as stored: layers, largest output difference, top-1 agreement and test error on
// MNIST's test split, and the time of one forward pass over it (median of 5, batch 1,000).
//   node tools/fold-batchnorm.mjs out/layers/mobile.sws [--backend wasm]
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@softshare/backend';
import { loadMnist } from '@softshare/data';
import { swsIO } from '@softshare/format';

const file = process.argv[2];
const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const backend = await selectBackend({ backend: arg('--backend', 'wasm') });
const bytes = new Uint8Array(readFileSync(file));
const test = loadMnist('mnist').test;
const shapeOf = (m) => m.inputs[0].shape.slice(1);
const run = (m) => {
  const out = [];
  for (let i = 0; i < test.count; i += 1000) {
    const n = Math.min(1000, test.count - i);
    const size = shapeOf(m).reduce((a, b) => a * b, 1);
    out.push(tf.tidy(() => (m.predict(tf.div(tf.tensor(test.inputs.subarray(i * size, (i + n) * size), [n, ...shapeOf(m)], 'float32'), 255)).dataSync())));
  }
  const all = new Float32Array(out.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of out) (all.set(a, o), (o += a.length));
  return all;
};
const timeOf = (m) => {
  const ts = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    run(m);
    ts.push(performance.now() - t0);
  }
  return ts.sort((a, b) => a - b)[2];
};
const plain = await tf.loadLayersModel(swsIO(bytes));
const folded = await tf.loadLayersModel(swsIO(bytes, { foldBatchNorm: true }));
const [a, b] = [run(plain), run(folded)];
const classes = a.length / test.count;
let maxDiff = 0;
let agree = 0;
let errA = 0;
let errB = 0;
const argmax = (p, i) => p.subarray(i * classes, (i + 1) * classes).reduce((best, v, k, arr) => (v > arr[best] ? k : best), 0);
for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
for (let i = 0; i < test.count; i++) {
  const [ka, kb] = [argmax(a, i), argmax(b, i)];
  agree += ka === kb ? 1 : 0;
  errA += ka === test.labels[i] ? 0 : 1;
  errB += kb === test.labels[i] ? 0 : 1;
}
const count = (m) => m.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
console.log(`${file} (${backend.name}): layers ${plain.layers.length} -> ${folded.layers.length} (BatchNormalization ${count(plain)} -> ${count(folded)}); largest output difference ${maxDiff.toExponential(2)}; top-1 agreement ${((100 * agree) / test.count).toFixed(2)}%; test error ${((100 * errA) / test.count).toFixed(2)}% -> ${((100 * errB) / test.count).toFixed(2)}%; forward pass over ${test.count} images ${timeOf(plain).toFixed(0)} -> ${timeOf(folded).toFixed(0)} ms (median of 5)`);
