#!/usr/bin/env node
// A tabular task no default was tuned on, for the CLI as a user would run it: 6 classes of
// 20 numeric features (Gaussian clusters with overlap, 6 informative features mixed into
// 20), written as train.csv / test.csv with a `label` column, plus an untrained MLP
// model.json (20 -> 64 -> 32 -> 6 softmax) for `softshare pretrain`.
//   node tools/make-tabular-demo.mjs --out out/tabular [--train 12000] [--test 3000] [--seed 3]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileIO } from '@softshare/backend';
import { Rng } from '@softshare/core';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const out = opt('out', 'out/tabular');
const counts = { train: Number(opt('train', 12000)), test: Number(opt('test', 3000)) };
const rng = new Rng(Number(opt('seed', 3)));
const FEATURES = 20;
const CLASSES = 6;
const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next());
// class centres in a 6-dimensional informative space, mixed linearly into 20 features
const centres = Array.from({ length: CLASSES }, () => Array.from({ length: 6 }, () => 2 * gauss()));
const mix = Array.from({ length: FEATURES }, () => Array.from({ length: 6 }, () => gauss() / Math.sqrt(6)));

function rows(n) {
  const lines = [[...Array.from({ length: FEATURES }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let i = 0; i < n; i++) {
    const c = rng.int(CLASSES);
    const z = centres[c].map((m) => m + 1.6 * gauss());
    const x = mix.map((w) => w.reduce((s, wk, k) => s + wk * z[k], 0) + 0.3 * gauss());
    lines.push([...x.map((v) => v.toFixed(4)), String(c)].join(','));
  }
  return lines.join('\n') + '\n';
}

mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'train.csv'), rows(counts.train));
writeFileSync(join(out, 'test.csv'), rows(counts.test));
const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [FEATURES], units: 64, activation: 'relu', name: 'dense1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    tf.layers.dense({ units: 32, activation: 'relu', name: 'dense2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    tf.layers.dense({ units: CLASSES, activation: 'softmax', name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
  ],
});
await model.save(fileIO(join(out, 'untrained')));
console.log(`wrote ${out}/train.csv (${counts.train}), ${out}/test.csv (${counts.test}), ${out}/untrained/model.json (${model.countParams()} parameters)`);
