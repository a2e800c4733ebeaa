#!/usr/bin/env node
// How good is the sparse network a .sws keeps, apart from its quantisation? Runs the tune
// stage's mask search (`runMaskSearch`, @softshare/tune) on the file and prints the
// MNIST test error of the float weights after each epoch, the train error after the
// last, and the test error after snapping to the file's codebooks. The non-zeros train
// as free floats (zeros held at 0; biases train too). With --regrow A the mask moves
// RigL-style; with --density D each tensor's count shrinks to its share of D overall;
// --options JSON passes any other mask-search option (schedule, tensorDensity, ...).
//   node tools/mask-capacity.mjs file.sws [--epochs 8] [--lr 3e-4] [--seed 2] [--batch 128] [--regrow 0] [--every 100] [--density D] [--options JSON]
import { readFileSync } from 'node:fs';
import { selectBackend } from '@softshare/backend';
import { loadMnist } from '@softshare/data';
import { swsToQuantized } from '@softshare/format';
import { evaluate, fromModelData } from '@softshare/models';
import { maskSearchOptionsSchema, runMaskSearch } from '@softshare/tune';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const pct = (e) => `${(100 * e).toFixed(2)}%`;
const backend = await selectBackend({});
const data = loadMnist('mnist');
const file = process.argv[2];
const input = swsToQuantized(new Uint8Array(readFileSync(file)));
const options = maskSearchOptionsSchema.parse({
  epochs: Number(arg('--epochs', '8')),
  learningRate: Number(arg('--lr', '3e-4')),
  regrow: Number(arg('--regrow', '0')),
  every: Number(arg('--every', '100')),
  ...(arg('--density') ? { density: Number(arg('--density')) } : {}),
  ...JSON.parse(arg('--options', '{}')),
});
const stored = await fromModelData(input);
console.log(`${file} (${backend.name}): ${pct(evaluate(stored, data.test).error)} as stored; mask search ${JSON.stringify(options)}`);
stored.dispose();
const out = await runMaskSearch(input, data, options, { batchSize: Number(arg('--batch', '128')), seed: Number(arg('--seed', '2')) }, {
  onEpoch: (epoch, model) => {
    console.log(`epoch ${epoch}: ${pct(evaluate(model, data.test).error)} as floats`);
    if (epoch === options.epochs) console.log(`train error: ${pct(evaluate(model, data.train).error)}`);
  },
});
const total = out.quantized.reduce((a, q) => a + q.codes.length, 0);
const counts = out.quantized.map((q) => [q.name, q.codes.reduce((a, c) => a + (c !== 0 ? 1 : 0), 0)]);
console.log(`non-zero: ${counts.map(([n, c]) => `${n} ${c}`).join(', ')}; ${((100 * counts.reduce((a, [, c]) => a + c, 0)) / total).toFixed(3)}% overall`);
const snapped = await fromModelData(out);
console.log(`snapped to the stored codebooks: ${pct(evaluate(snapped, data.test).error)}`);
snapped.dispose();
