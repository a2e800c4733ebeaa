#!/usr/bin/env node
// Experiment (not a pipeline stage): sparse variational dropout (Molchanov et al. 2017) on
// LeNet-5-Caffe from the shipped pretrained weights, to find a mask at ~0.5% non-zero for
// the mask search / tune stage to finish. Per weight a mean theta and a log-variance; the
// loss is the cross-entropy under the local reparameterisation trick plus kl x KL / N_train
// (Molchanov's approximation, KL weight warmed up linearly over --anneal epochs); Adam on
// everything. After each epoch it prints the test error of the means with the log-alpha < 3
// mask and with the K = density x |W| weights of lowest log-alpha, and writes that top-K
// network as DIR/eN.sws (each tensor k-means-quantised to the codebook size of
// results/lenet-5-caffe.sws, which also supplies the topology). Deterministic (seeded noise
// and batch order). Finish a file with tools/tune-check.mjs (see docs/RESULTS.md).
//   node tools/vd-mask.mjs [--epochs 30] [--lr 1e-3] [--kl 1] [--anneal 2] [--density 0.0049] [--batch 128] [--init -10] [--out DIR]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { Rng } from '@softshare/core';
import { epochOrder, loadMnist, makeBatch } from '@softshare/data';
import { encodeSws, swsToQuantized } from '@softshare/format';
import { pretrainedModelPath, toModelData } from '@softshare/models';
import { nearestNonZeroCode } from '@softshare/retrain';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const epochs = Number(arg('--epochs', '30'));
const lr = Number(arg('--lr', '1e-3'));
const klScale = Number(arg('--kl', '1'));
const anneal = Number(arg('--anneal', '2'));
const density = Number(arg('--density', '0.0049'));
const batchSize = Number(arg('--batch', '128'));
const outDir = arg('--out', 'tmp/vd');
const initLs2 = Number(arg('--init', '-10'));
mkdirSync(outDir, { recursive: true });
const backend = await selectBackend({});
const data = loadMnist('mnist');
const net = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-5-caffe')));
const pre = toModelData(net);
net.dispose();
const template = swsToQuantized(new Uint8Array(readFileSync('results/lenet-5-caffe.sws')));
const P = new Map(pre.params.map((p) => [p.name, p]));
const layers = ['conv1', 'conv2', 'fc1', 'fc2'].map((n) => ({
  name: n,
  conv: n.startsWith('conv'),
  theta: tf.variable(tf.tensor(P.get(`${n}/kernel`).values, P.get(`${n}/kernel`).shape)),
  ls2: tf.variable(tf.fill(P.get(`${n}/kernel`).shape, initLs2)),
  bias: tf.variable(tf.tensor(P.get(`${n}/bias`).values)),
}));
const total = layers.reduce((a, l) => a + l.theta.size, 0);
const K = Math.round(density * total);
const k1 = 0.63576, k2 = 1.8732, k3 = 1.48695;
const logAlpha = (l) => tf.clipByValue(tf.sub(l.ls2, tf.log(tf.add(tf.square(l.theta), 1e-8))), -8, 8);

let noiseSeed = 1;
function forward(x, kernels, sample) {
  let h = x;
  layers.forEach((l, i) => {
    if (i === 2) h = tf.reshape(h, [h.shape[0], -1]);
    const op = l.conv ? (a, w) => tf.conv2d(a, w, 1, 'valid') : (a, w) => tf.matMul(a, w);
    let out = op(h, kernels[i]);
    if (sample) {
      const v = op(tf.square(h), tf.exp(l.ls2));
      out = tf.add(out, tf.mul(tf.sqrt(tf.add(v, 1e-8)), tf.randomNormal(out.shape, 0, 1, 'float32', noiseSeed++)));
    }
    out = tf.add(out, l.bias);
    if (l.conv) out = tf.maxPool(out, 2, 2, 'valid');
    else if (i === 2) out = tf.relu(out);
    h = out;
  });
  return h;
}

function testError(kernels) {
  let wrong = 0;
  const n = data.test.count;
  for (let s = 0; s < n; s += 1000) {
    const idx = Array.from({ length: Math.min(1000, n - s) }, (_, i) => s + i);
    const b = makeBatch(data.test, idx, data.numClasses);
    wrong += tf.tidy(() => {
      const logits = forward(tf.tensor(b.x, [b.size, 28, 28, 1]), kernels, false);
      const pred = tf.argMax(logits, 1).dataSync();
      const y = tf.argMax(tf.tensor2d(b.y, [b.size, data.numClasses]), 1).dataSync();
      let w = 0;
      for (let i = 0; i < pred.length; i++) if (pred[i] !== y[i]) w++;
      return w;
    });
  }
  return wrong / n;
}

/** 1-D k-means (Lloyd) of the non-zero values into `m` values, started at quantiles. */
function kmeans(vals, m) {
  const sorted = Float64Array.from(vals).sort();
  const c = Array.from({ length: m }, (_, j) => sorted[Math.min(sorted.length - 1, Math.floor(((j + 0.5) * sorted.length) / m))]);
  for (let it = 0; it < 50; it++) {
    const sum = new Float64Array(m), cnt = new Float64Array(m);
    const withZero = [0, ...c];
    for (const v of vals) {
      const b = nearestNonZeroCode(withZero, v) - 1;
      sum[b] += v; cnt[b]++;
    }
    for (let j = 0; j < m; j++) if (cnt[j] > 0) c[j] = sum[j] / cnt[j];
  }
  return c;
}

function snapshot(epoch) {
  const la = layers.map((l) => tf.tidy(() => logAlpha(l).dataSync()));
  const th = layers.map((l) => l.theta.dataSync());
  const all = [];
  la.forEach((a, li) => a.forEach((v, i) => all.push([v, li, i])));
  all.sort((a, b) => a[0] - b[0]);
  const keep = layers.map((l) => new Uint8Array(l.theta.size));
  for (let j = 0; j < K; j++) keep[all[j][1]][all[j][2]] = 1;
  const thr3 = la.map((a) => a.reduce((s, v) => s + (v < 3 ? 1 : 0), 0));
  const kernels3 = layers.map((l, li) => tf.tensor(th[li].map((v, i) => (la[li][i] < 3 ? v : 0)), l.theta.shape));
  const kernelsK = layers.map((l, li) => tf.tensor(th[li].map((v, i) => (keep[li][i] ? v : 0)), l.theta.shape));
  const e3 = testError(kernels3);
  const eK = testError(kernelsK);
  tf.dispose([...kernels3, ...kernelsK]);
  const perK = keep.map((k) => k.reduce((a, b) => a + b, 0));
  console.log(`epoch ${epoch}: logα<3 ${(100 * e3).toFixed(2)}% at ${((100 * thr3.reduce((a, b) => a + b, 0)) / total).toFixed(3)}% (${thr3.join('/')}); top-${K} ${(100 * eK).toFixed(2)}% (${perK.join('/')}) thr logα ${all[K - 1][0].toFixed(2)}`);
  // write the top-K network as a .sws with the template's codebook sizes
  const quantized = template.quantized.map((q) => {
    const li = layers.findIndex((l) => `${l.name}/kernel` === q.name);
    const vals = [];
    th[li].forEach((v, i) => { if (keep[li][i]) vals.push(v); });
    const m = Math.min(q.codebook.length - 1, vals.length);
    const c = m > 0 ? kmeans(vals, m) : [];
    const codebook = Float32Array.from([0, ...c]);
    const codes = new Uint8Array(th[li].length);
    th[li].forEach((v, i) => {
      if (keep[li][i]) codes[i] = nearestNonZeroCode(codebook, v);
    });
    return { name: q.name, shape: q.shape, codebook, codes };
  });
  const qByName = new Map(quantized.map((q) => [q.name, q]));
  const params = template.params.map((p) => {
    const q = qByName.get(p.name);
    if (q) return { ...p, values: Float32Array.from(q.codes, (c) => q.codebook[c]) };
    const l = layers.find((x) => `${x.name}/bias` === p.name);
    return { ...p, values: Float32Array.from(l.bias.dataSync()) };
  });
  writeFileSync(`${outDir}/e${epoch}.sws`, encodeSws({ ...template, params, quantized }).bytes);
}

console.log(`sparse VD on lenet-5-caffe (${backend.name}), ${epochs} epochs, lr ${lr}, kl x${klScale} (anneal ${anneal} epochs), init log σ² ${initLs2}, K ${K} of ${total}`);
snapshot(0);
const opt = tf.train.adam(lr);
const vars = layers.flatMap((l) => [l.theta, l.ls2, l.bias]);
const rng = new Rng(1);
const N = data.train.count;
const perEpoch = Math.ceil(N / batchSize);
let step = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const t0 = performance.now();
  let ceSum = 0, klSum = 0;
  for (const idx of epochOrder(N, batchSize, rng)) {
    step++;
    const klw = klScale * Math.min(1, step / (anneal * perEpoch));
    const b = makeBatch(data.train, idx, data.numClasses);
    tf.tidy(() => {
      const x = tf.tensor(b.x, [b.size, 28, 28, 1]);
      const y = tf.tensor2d(b.y, [b.size, data.numClasses]);
      let ceV, klV;
      const { grads } = tf.variableGrads(() => {
        const ce = tf.losses.softmaxCrossEntropy(y, forward(x, layers.map((l) => l.theta), true));
        const kl = tf.addN(layers.map((l) => {
          const a = logAlpha(l);
          return tf.neg(tf.sum(tf.sub(tf.sub(tf.mul(k1, tf.sigmoid(tf.add(k2, tf.mul(k3, a)))), tf.mul(0.5, tf.softplus(tf.neg(a)))), k1)));
        }));
        ceV = tf.keep(ce); klV = tf.keep(kl);
        return tf.add(ce, tf.mul(kl, klw / N));
      }, vars);
      opt.applyGradients(grads);
      ceSum += ceV.dataSync()[0];
      klSum += klV.dataSync()[0];
      tf.dispose([ceV, klV]);
    });
  }
  console.log(`  epoch ${epoch}: ce ${(ceSum / perEpoch).toFixed(4)}, kl/N ${(klSum / perEpoch / N).toFixed(4)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  snapshot(epoch);
}
