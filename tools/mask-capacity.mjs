#!/usr/bin/env node
// How good is the sparse network a .sws keeps, apart from its quantisation? Trains the
// non-zero weights of every tensor under the prior as free floats (every zero held at
// zero; biases train too) and prints the MNIST test error after each epoch, then after
// snapping each weight to the nearest non-zero value of its tensor's codebook.
//   node tools/mask-capacity.mjs file.sws [--epochs 8] [--lr 3e-4] [--seed 2]
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@softshare/backend';
import { Rng } from '@softshare/core';
import { epochOrder, loadMnist, makeBatch } from '@softshare/data';
import { swsToQuantized } from '@softshare/format';
import { crossEntropy, evaluate, fromModelData, inputShapeFor, logitsFn } from '@softshare/models';
import { ADAM, adamUpdate, nearestNonZeroCode } from '@softshare/retrain';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const backend = await selectBackend({});
const data = loadMnist('mnist');
const file = process.argv[2];
const input = swsToQuantized(new Uint8Array(readFileSync(file)));
const epochs = Number(arg('--epochs', '8'));
const lr = Number(arg('--lr', '3e-4'));
const model = await fromModelData(input);
const shape = inputShapeFor(model, data.train);
const forward = logitsFn(model);
const byName = new Map(input.quantized.map((q) => [q.name, q]));
const vars = model.trainableWeights.map((w) => ({ variable: w.read(), name: w.originalName ?? w.name, shape: [...w.shape] }));
const testError = () => `${(100 * evaluate(model, data.test).error).toFixed(2)}%`;
const sparse = vars.filter((v) => byName.has(v.name)).map((v) => {
  const q = byName.get(v.name);
  const at = Uint32Array.from(q.codes.keys()).filter((i) => q.codes[i] !== 0);
  const n = at.length;
  return { ...v, q, at, w: Float64Array.from(at, (i) => q.codebook[q.codes[i]]), g: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n), values: new Float32Array(q.codes.length) };
});
const others = vars.filter((v) => !byName.has(v.name));
const optimizer = tf.train.adam(lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
const assign = (valueOf) => {
  for (const s of sparse) {
    for (let j = 0; j < s.at.length; j++) s.values[s.at[j]] = valueOf(s, j);
    s.variable.assign(tf.tensor(s.values, s.shape));
  }
};
console.log(`${file} (${backend.name}): ${testError()} as stored; free training of the non-zero weights, Adam ${lr}`);
const rng = new Rng(Number(arg('--seed', '2')));
let t = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  for (const b of epochOrder(data.train.count, 128, rng)) {
    const batch = makeBatch(data.train, b, data.numClasses);
    t++;
    tf.tidy(() => {
      const x = tf.tensor(batch.x, [batch.size, ...shape]);
      const y = tf.tensor2d(batch.y, [batch.size, data.numClasses]);
      const { grads } = tf.variableGrads(() => crossEntropy(forward(x, true), y), vars.map((v) => v.variable));
      for (const s of sparse) {
        const g = grads[s.variable.name].dataSync();
        for (let j = 0; j < s.at.length; j++) s.g[j] = g[s.at[j]];
        adamUpdate(s.w, s.g, s.m, s.v, t, lr);
      }
      assign((s, j) => s.w[j]);
      optimizer.applyGradients(others.map((o) => ({ name: o.variable.name, tensor: grads[o.variable.name] })));
    });
  }
  console.log(`epoch ${epoch}: ${testError()} as floats`);
}
assign((s, j) => s.q.codebook[nearestNonZeroCode(s.q.codebook, s.w[j])]);
console.log(`snapped to the stored codebooks: ${testError()}`);
