#!/usr/bin/env node
// Apply the tune stage (shared values and biases; zeros and sharing fixed) to an existing
// .sws and print its MNIST test error before and after, for each learning rate given.
// --options takes any further tune options as JSON (e.g. a mask search); --teacher names
// the pretrained model that `mask.distill` learns from.
//   node tools/tune-check.mjs file.sws [--lr 1e-4,3e-4] [--epochs 2] [--reassign --wlr 3e-4] [--options '{"mask":{"epochs":20}}'] [--teacher lenet-5-caffe] [--out tuned.sws]
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { loadMnist } from '@softshare/data';
import { encodeSws, swsToQuantized } from '@softshare/format';
import { evaluate, fromModelData, pretrainedModelPath, toModelData } from '@softshare/models';
import { runSharedTuning, tuneOptionsSchema } from '@softshare/tune';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const backend = await selectBackend({});
const data = loadMnist('mnist');
const file = process.argv[2];
const model = swsToQuantized(new Uint8Array(readFileSync(file)));
const error = async (m) => {
  const net = await fromModelData(m);
  const e = evaluate(net, data.test).error;
  net.dispose();
  return e;
};
const epochs = Number(arg('--epochs', '2'));
const reassign = process.argv.includes('--reassign');
const weightLearningRate = Number(arg('--wlr', '3e-4'));
const extra = JSON.parse(arg('--options', '{}'));
let teacher;
if (arg('--teacher')) {
  const net = await tf.loadLayersModel(fileIO(pretrainedModelPath(arg('--teacher'))));
  teacher = toModelData(net);
  net.dispose();
}
console.log(`${file} (${backend.name}): test error ${(100 * (await error(model))).toFixed(2)}% as stored`);
for (const lr of arg('--lr', '1e-4').split(',').map(Number)) {
  const t0 = performance.now();
  const tuned = await runSharedTuning(model, data, tuneOptionsSchema.parse({ epochs, learningRate: lr, reassign, weightLearningRate, ...extra }), {
    teacher,
    onStep: (s, n) => {
      if (s === n) console.log(`  an epoch done, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    },
  });
  const bytes = encodeSws(tuned).bytes;
  console.log(`tune lr ${lr}${reassign ? `, reassign (weights lr ${weightLearningRate})` : ''}, ${epochs} epochs${arg('--options') ? `, ${arg('--options')}` : ''}: test error ${(100 * (await error(tuned))).toFixed(2)}%, ${bytes.length} bytes, ${tuned.quantized.reduce((a, q) => a + q.codes.filter((c) => c !== 0).length, 0)} non-zero, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (arg('--out')) writeFileSync(arg('--out'), bytes);
}
