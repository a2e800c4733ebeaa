#!/usr/bin/env node
// Tasks other than classification, for the CLI as a user would run them (no default was
// tuned on them):
//   <out>/regression: train.csv / test.csv with a `target` column (y = sin(2 x0) + x1 x2
//     + 0.5 x3^2 + noise over 12 features, 6 of them noise) and an untrained MLP
//     (12 -> 64 -> 32 -> 1 linear) at untrained/model.json;
//   <out>/multi: two inputs, x_{train,test}.npy (float32 [N, 6]) and tag_{train,test}.npy
//     (uint8 [N, 2], read divided by 255), two targets, y_{train,test}_class.npy (int64, 3
//     classes) and y_{train,test}_value.npy (float32 [N, 1]), the manifest data.json naming
//     them, and an untrained functional model with two inputs and two heads
//     ({x, tag} -> Concatenate -> 64 -> {class: 3 softmax, value: 1 linear}) at
//     untrained/model.json.
//   node tools/make-task-demos.mjs --out out/tasks [--train 8000] [--test 2000] [--seed 5]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { dump } from 'npyjs';
import { fileIO } from '@softshare/backend';
import { Rng } from '@softshare/core';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const out = opt('out', 'out/tasks');
const counts = { train: Number(opt('train', 8000)), test: Number(opt('test', 2000)) };
const rng = new Rng(Number(opt('seed', 5)));
const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next());
const init = (seed) => tf.initializers.glorotUniform({ seed });

// regression from CSV
const F = 12;
function regressionRows(n) {
  const lines = [[...Array.from({ length: F }, (_, j) => `f${j}`), 'target'].join(',')];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: F }, gauss);
    const y = Math.sin(2 * x[0]) + x[1] * x[2] + 0.5 * x[3] ** 2 + 0.1 * gauss();
    lines.push([...x.map((v) => v.toFixed(4)), y.toFixed(5)].join(','));
  }
  return lines.join('\n') + '\n';
}
const reg = join(out, 'regression');
mkdirSync(reg, { recursive: true });
writeFileSync(join(reg, 'train.csv'), regressionRows(counts.train));
writeFileSync(join(reg, 'test.csv'), regressionRows(counts.test));
const regressor = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [F], units: 64, activation: 'relu', name: 'dense1', kernelInitializer: init(1) }),
    tf.layers.dense({ units: 32, activation: 'relu', name: 'dense2', kernelInitializer: init(2) }),
    tf.layers.dense({ units: 1, name: 'out', kernelInitializer: init(3) }),
  ],
});
await regressor.save(fileIO(join(reg, 'untrained')));

// two inputs and two outputs from .npy files and a manifest
const D = 8;
const A = 6; // features in x; the last D - A are the tag input, as bytes
const directions = Array.from({ length: 3 }, () => Array.from({ length: D }, gauss));
const multi = join(out, 'multi');
mkdirSync(multi, { recursive: true });
for (const [name, n] of Object.entries(counts)) {
  const x = new Float32Array(n * A);
  const tag = new Uint8Array(n * (D - A));
  const cls = new BigInt64Array(n);
  const value = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: D }, gauss);
    // the tag features travel as bytes: what the model sees of them is byte / 255
    for (let k = A; k < D; k++) {
      tag[i * (D - A) + k - A] = Math.max(0, Math.min(255, Math.round(128 + 40 * row[k])));
      row[k] = (tag[i * (D - A) + k - A] - 128) / 40;
    }
    x.set(row.slice(0, A), i * A);
    const scores = directions.map((d) => d.reduce((s, dk, k) => s + dk * row[k], 0) + 0.5 * gauss());
    cls[i] = BigInt(scores.indexOf(Math.max(...scores)));
    value[i] = Math.tanh(row[0] + row[D - 1]) + 0.3 * row[2] * row[D - 2] + 0.05 * gauss();
  }
  writeFileSync(join(multi, `x_${name}.npy`), new Uint8Array(dump(x, [n, A])));
  writeFileSync(join(multi, `tag_${name}.npy`), new Uint8Array(dump(tag, [n, D - A])));
  writeFileSync(join(multi, `y_${name}_class.npy`), new Uint8Array(dump(cls, [n])));
  writeFileSync(join(multi, `y_${name}_value.npy`), new Uint8Array(dump(value, [n, 1])));
}
const manifest = {
  train: { inputs: ['x_train.npy', 'tag_train.npy'], labels: ['y_train_class.npy', 'y_train_value.npy'] },
  test: { inputs: ['x_test.npy', 'tag_test.npy'], labels: ['y_test_class.npy', 'y_test_value.npy'] },
};
writeFileSync(join(multi, 'data.json'), JSON.stringify(manifest, null, 2) + '\n');
const input = tf.input({ shape: [A], name: 'x' });
const tagInput = tf.input({ shape: [D - A], name: 'tag' });
const joined = tf.layers.concatenate({ name: 'join' }).apply([input, tagInput]);
const trunk = tf.layers.dense({ units: 64, activation: 'relu', name: 'trunk', kernelInitializer: init(4) }).apply(joined);
const classHead = tf.layers.dense({ units: 3, activation: 'softmax', name: 'class', kernelInitializer: init(5) }).apply(trunk);
const valueHead = tf.layers.dense({ units: 1, name: 'value', kernelInitializer: init(6) }).apply(trunk);
const twoHeads = tf.model({ inputs: [input, tagInput], outputs: [classHead, valueHead] });
await twoHeads.save(fileIO(join(multi, 'untrained')));
console.log(`wrote ${reg} (${regressor.countParams()} parameters) and ${multi} (${twoHeads.countParams()} parameters), ${counts.train} + ${counts.test} examples each`);
