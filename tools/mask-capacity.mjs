#!/usr/bin/env node
// How good is the sparse network a .sws keeps, apart from its quantisation? Trains the
// non-zero weights of every tensor under the prior as free floats (every zero held at
// zero; biases train too) and prints the MNIST test error after each epoch, then after
// snapping each weight to the nearest non-zero value of its tensor's codebook.
// With --regrow A, the mask moves too (RigL-style, each tensor keeps its count): every
// --every steps until 75% of the training, a share A/2 (1 + cos(pi t / T)) of each
// tensor's non-zeros with the smallest magnitude drops to 0 and as many zeros with the
// largest gradient magnitude start training from 0. With --density D, each tensor's count
// also shrinks over that period (cubic schedule) to its share of D non-zero overall.
//   node tools/mask-capacity.mjs file.sws [--epochs 8] [--lr 3e-4] [--seed 2] [--regrow 0.3] [--every 100] [--density 0.0049]
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
  const n = q.codes.length;
  const live = Uint8Array.from(q.codes, (c) => (c !== 0 ? 1 : 0));
  return { ...v, q, live, count: live.reduce((a, b) => a + b, 0), w: Float64Array.from(q.codes, (c) => q.codebook[c]), g: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n), values: new Float32Array(n) };
});
const others = vars.filter((v) => !byName.has(v.name));
const optimizer = tf.train.adam(lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
const assign = (valueOf) => {
  for (const s of sparse) {
    for (let i = 0; i < s.w.length; i++) s.values[i] = s.live[i] ? valueOf(s, i) : 0;
    s.variable.assign(tf.tensor(s.values, s.shape));
  }
};
const regrowShare = Number(arg('--regrow', '0'));
const density = Number(arg('--density', '0'));
const total = sparse.reduce((a, s) => a + s.w.length, 0);
const startShare = sparse.reduce((a, s) => a + s.count, 0) / total;
for (const s of sparse) s.final = density > 0 ? Math.round((s.count * density) / startShare) : s.count;
const targetAt = (s, t) => Math.round(s.final + (s.count - s.final) * (1 - Math.min(1, t / regrowUntil)) ** 3);
const every = Number(arg('--every', '100'));
const stepsPerEpoch = Math.ceil(data.train.count / 128);
const regrowUntil = Math.floor(0.75 * epochs * stepsPerEpoch);
/** Drops the k live weights of smallest magnitude and revives the k dead ones of largest gradient magnitude. */
const regrow = (s, g, k, target) => {
  const live = [];
  const dead = [];
  for (let i = 0; i < s.w.length; i++) (s.live[i] ? live : dead).push(i);
  live.sort((a, b) => Math.abs(s.w[a]) - Math.abs(s.w[b]) || a - b);
  dead.sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]) || a - b);
  const drop = live.slice(0, k + Math.max(0, live.length - target));
  const grow = dead.slice(0, k);
  for (const i of drop) s.live[i] = 0;
  for (const i of grow) s.live[i] = 1;
  for (const i of [...drop, ...grow]) s.w[i] = s.m[i] = s.v[i] = 0;
};
console.log(`${file} (${backend.name}): ${testError()} as stored; free training of the non-zero weights, Adam ${lr}${regrowShare > 0 ? `, regrowing ${regrowShare} every ${every} steps` : ''}`);
const rng = new Rng(Number(arg('--seed', '2')));
let t = 0;
let moved = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  for (const b of epochOrder(data.train.count, 128, rng)) {
    const batch = makeBatch(data.train, b, data.numClasses);
    t++;
    const event = (regrowShare > 0 || density > 0) && t % every === 0 && t <= regrowUntil;
    const share = regrowShare > 0 && event ? (regrowShare / 2) * (1 + Math.cos((Math.PI * t) / regrowUntil)) : 0;
    tf.tidy(() => {
      const x = tf.tensor(batch.x, [batch.size, ...shape]);
      const y = tf.tensor2d(batch.y, [batch.size, data.numClasses]);
      const { grads } = tf.variableGrads(() => crossEntropy(forward(x, true), y), vars.map((v) => v.variable));
      for (const s of sparse) {
        const g = grads[s.variable.name].dataSync();
        for (let i = 0; i < g.length; i++) s.g[i] = s.live[i] ? g[i] : 0;
        adamUpdate(s.w, s.g, s.m, s.v, t, lr);
        const k = Math.floor(share * s.count);
        if (event) {
          regrow(s, g, k, targetAt(s, t));
          moved += k;
        }
      }
      assign((s, i) => s.w[i]);
      optimizer.applyGradients(others.map((o) => ({ name: o.variable.name, tensor: grads[o.variable.name] })));
    });
  }
  console.log(`epoch ${epoch}: ${testError()} as floats${regrowShare > 0 ? ` (${moved} weights moved so far)` : ''}`);
}
if (density > 0) console.log(`non-zero: ${sparse.map((s) => `${s.name} ${s.live.reduce((a, b) => a + b, 0)}`).join(', ')}; ${((100 * sparse.reduce((a, s) => a + s.live.reduce((x, y) => x + y, 0), 0)) / total).toFixed(3)}% overall`);
console.log(`train error: ${(100 * evaluate(model, data.train).error).toFixed(2)}%`);
console.log(`snapped to the stored codebooks: ${testError()}`);
