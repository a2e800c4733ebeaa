#!/usr/bin/env node
// Cost of one soft weight-sharing retraining step relative to a plain training step of
// the same network, batch and backend, measured in one process (issue: <= 1.25x).
//   node tools/bench-retrain.mjs [--net lenet-300-100] [--steps 60] [--backend wasm]
import * as tf from '@tensorflow/tfjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { Rng } from '@softshare/core';
import { epochOrder, loadMnist, makeBatch, takeFirst } from '@softshare/data';
import { crossEntropy, INPUT_SHAPES, logitsFn, pretrainedModelPath, toModelData } from '@softshare/models';
import { retrainOptionsSchema, runRetraining } from '@softshare/retrain';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const net = arg('--net', 'lenet-300-100');
const steps = Number(arg('--steps', '60'));
const backend = await selectBackend({ backend: arg('--backend', undefined) });
const data = loadMnist('mnist');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A plain training loop timed like the retraining loop: batch assembly, step, a yield to the event loop. */
async function plainStepMs() {
  const model = await tf.loadLayersModel(fileIO(pretrainedModelPath(net)));
  const forward = logitsFn(model);
  const opt = tf.train.adam(5e-4);
  const order = epochOrder(data.train.count, 128, new Rng(1));
  const times = [];
  let last = performance.now();
  for (let s = 0; s < steps + 5; s++) {
    const b = makeBatch(data.train, order[s]);
    tf.tidy(() => {
      const x = tf.tensor(b.x, [b.size, ...INPUT_SHAPES[net]]);
      const y = tf.tensor2d(b.ys[0], [b.size, 10]);
      opt.minimize(() => crossEntropy(forward(x, true), y), true).dataSync();
    });
    await new Promise((r) => setImmediate(r));
    const now = performance.now();
    if (s >= 5) times.push(now - last);
    last = now;
  }
  opt.dispose();
  model.dispose();
  return median(times);
}

async function retrainStepMs(evaluation, priorThread, stdAfterWarm) {
  const model = await tf.loadLayersModel(fileIO(pretrainedModelPath(net)));
  const input = toModelData(model);
  model.dispose();
  const opts = retrainOptionsSchema.parse({ epochs: 1, evalEvery: 0, trainLimit: 128 * (steps + 5), priorThread, prior: { evaluation, initialStd: stdAfterWarm } });
  const times = [];
  let last = performance.now();
  await runRetraining(input, { ...data, test: takeFirst(data.test, 10) }, opts, {
    onStep: (s) => {
      const now = performance.now();
      if (s > 5) times.push(now - last);
      last = now;
    },
  });
  return median(times);
}

const plain = await plainStepMs();
const rows = [['plain training step', plain]];
for (const [evaluation, priorThread] of [['grid', 'worker'], ['grid', 'main'], ['exact', 'main']]) {
  // std 0.25 is the prior at the start of retraining; 0.02 is where the hyper-prior takes it
  for (const std of [0.25, 0.02]) rows.push([`retraining step, prior '${evaluation}' on the ${priorThread} thread, component std ${std}`, await retrainStepMs(evaluation, priorThread, std)]);
}
console.log(`${net}, batch 128, backend ${backend.name}, median of ${steps} steps, one process`);
console.log('| step | ms | x plain |');
console.log('|---|---|---|');
for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(2)} | ${(ms / plain).toFixed(2)} |`);
