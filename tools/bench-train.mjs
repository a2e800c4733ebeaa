#!/usr/bin/env node
// Seconds per training epoch (batch 128, Adam) of LeNet-300-100, LeNet-5-Caffe and, one
// row per layer kind, a MobileNet-style CNN (DepthwiseConv2D, BatchNorm, ReLU6,
// SeparableConv2D), a small ResNet (BatchNorm, residual Add), Conv1D, Conv2DTranspose,
// Conv3D and PReLU nets (MNIST) and Embedding + GRU / LSTM / SimpleRNN classifiers (12
// random tokens) on:
// the default backend (wasm + softshare's kernels), wasm with the stock tfjs kernels,
// and the pure-JS cpu backend. Each configuration runs in its own process (kernel
// registration is global). An epoch's time is the median step time x 469 steps, so the
// slow configurations finish in minutes; the README of tools/ says so.
//
//   node tools/bench-train.mjs [--steps 20] [--nets mobile,resnet,...] [--json]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const STEPS_PER_EPOCH = Math.ceil(60000 / 128);

if (args[0] === '--worker') {
  const [, backend, patched, net, stepsArg] = args;
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('@softshare/backend');
  const { loadMnist, makeBatch, epochOrder } = await import('@softshare/data');
  const { buildModel, crossEntropy, logitsFn, INPUT_SHAPES } = await import('@softshare/models');
  const { Rng } = await import('@softshare/core');
  await selectBackend({ backend, patchWasmKernels: patched === 'patched' });
  const data = loadMnist('mnist');
  const init = (seed) => tf.initializers.glorotUniform({ seed });
  const layerNets = {
    mobile: () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(1) }),
      tf.layers.batchNormalization({}), tf.layers.reLU({ maxValue: 6 }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(2) }),
      tf.layers.batchNormalization({}), tf.layers.reLU({ maxValue: 6 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 1, useBias: false, kernelInitializer: init(3) }),
      tf.layers.separableConv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: init(4), pointwiseInitializer: init(5) }),
      tf.layers.reLU({ maxValue: 6 }), tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(6) }) ] }),
    gru: () => tf.sequential({ layers: [
      tf.layers.embedding({ inputDim: 16, outputDim: 16, inputLength: 12, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 7 }) }),
      tf.layers.gru({ units: 32, kernelInitializer: init(8), recurrentInitializer: init(9) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(10) }) ] }),
    // one row per further layer kind, each on MNIST (a sequence model on random tokens)
    resnet: () => {
      const input = tf.input({ shape: [28, 28, 1] });
      let x = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(1) }).apply(input);
      x = tf.layers.activation({ activation: 'relu' }).apply(tf.layers.batchNormalization({}).apply(x));
      for (const [stride, filters, seed] of [[2, 16, 2], [2, 32, 5]]) {
        let y = tf.layers.conv2d({ filters, kernelSize: 3, strides: stride, padding: 'same', useBias: false, kernelInitializer: init(seed) }).apply(x);
        y = tf.layers.activation({ activation: 'relu' }).apply(tf.layers.batchNormalization({}).apply(y));
        y = tf.layers.batchNormalization({}).apply(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(seed + 1) }).apply(y));
        const shortcut = tf.layers.conv2d({ filters, kernelSize: 1, strides: stride, useBias: false, kernelInitializer: init(seed + 2) }).apply(x);
        x = tf.layers.activation({ activation: 'relu' }).apply(tf.layers.add().apply([y, shortcut]));
      }
      x = tf.layers.globalAveragePooling2d({}).apply(x);
      return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(9) }).apply(x) });
    },
    lstm: () => tf.sequential({ layers: [
      tf.layers.embedding({ inputDim: 16, outputDim: 16, inputLength: 12, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 7 }) }),
      tf.layers.lstm({ units: 32, kernelInitializer: init(8), recurrentInitializer: init(9) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(10) }) ] }),
    simplernn: () => tf.sequential({ layers: [
      tf.layers.embedding({ inputDim: 16, outputDim: 16, inputLength: 12, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 7 }) }),
      tf.layers.simpleRNN({ units: 32, kernelInitializer: init(8), recurrentInitializer: init(9) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(10) }) ] }),
    conv1d: () => tf.sequential({ layers: [
      tf.layers.conv1d({ inputShape: [28, 28], filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling1d({ poolSize: 2 }), tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }) ] }),
    conv2dtranspose: () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }) ] }),
    conv3d: () => tf.sequential({ layers: [
      tf.layers.reshape({ inputShape: [28, 28, 1], targetShape: [28, 28, 1, 1] }),
      tf.layers.conv3d({ filters: 8, kernelSize: [3, 3, 1], strides: [2, 2, 1], activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }) ] }),
    prelu: () => tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [784], units: 300, kernelInitializer: init(1) }), tf.layers.prelu({}),
      tf.layers.dense({ units: 100, kernelInitializer: init(2) }), tf.layers.prelu({}),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }) ] }),
  };
  const tokenNets = new Set(['gru', 'lstm', 'simplernn']);
  const shapes = { ...INPUT_SHAPES, mobile: [28, 28, 1], resnet: [28, 28, 1], conv1d: [28, 28], conv2dtranspose: [28, 28, 1], conv3d: [28, 28, 1], prelu: [784], gru: [12], lstm: [12], simplernn: [12] };
  const model = layerNets[net] ? layerNets[net]() : buildModel(net, 1);
  const forward = logitsFn(model);
  const tokens = new Rng(3);
  const opt = tf.train.adam(1e-3);
  const order = epochOrder(data.train.count, 128, new Rng(1));
  const steps = Number(stepsArg);
  const times = [];
  try {
    for (let s = 0; s < steps + 3; s++) {
      const b = makeBatch(data.train, order[s % order.length]);
      const t0 = performance.now();
      tf.tidy(() => {
        const x = tokenNets.has(net) ? tf.tensor(Float32Array.from({ length: b.size * 12 }, () => tokens.int(16)), [b.size, 12]) : tf.tensor(b.x, [b.size, ...shapes[net]]);
        const y = tf.tensor2d(b.ys[0], [b.size, 10]);
        opt.minimize(() => crossEntropy(forward(x, true), y), true).dataSync();
      });
      if (s >= 3) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({ ok: true, stepMs: times[Math.floor(times.length / 2)] }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, why: String(e.message).split('\n')[0] }));
  }
  process.exit(0);
}

const stepsIdx = args.indexOf('--steps');
const steps = stepsIdx >= 0 ? Number(args[stepsIdx + 1]) : 20;
const configs = [
  ['wasm', 'patched', 'default: wasm + softshare kernels'],
  ['wasm', 'stock', 'wasm, stock tfjs 4.22 kernels'],
  ['cpu', 'patched', 'cpu (pure JS)'],
];
const allNets = ['lenet-300-100', 'lenet-5-caffe', 'mobile', 'resnet', 'conv1d', 'conv2dtranspose', 'conv3d', 'prelu', 'gru', 'lstm', 'simplernn'];
const netsIdx = args.indexOf('--nets');
const nets = netsIdx >= 0 ? args[netsIdx + 1].split(',') : allNets;
const self = fileURLToPath(import.meta.url);
const rows = [];
for (const net of nets) {
  for (const [backend, patched, label] of configs) {
    const n = backend === 'cpu' && net !== 'lenet-300-100' ? Math.max(3, Math.floor(steps / 4)) : steps;
    const out = execFileSync(process.execPath, [self, '--worker', backend, patched, net, String(n)], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop());
    rows.push({ net, config: label, steps: n, ...r, epochS: r.ok ? (r.stepMs * STEPS_PER_EPOCH) / 1000 : undefined });
  }
}
if (args.includes('--json')) {
  console.log(JSON.stringify(rows));
} else {
  console.log(`| network | configuration | ms/step (median of N) | s/epoch (469 steps) | x default |`);
  console.log(`|---|---|---|---|---|`);
  for (const r of rows) {
    const base = rows.find((b) => b.net === r.net && b.config.startsWith('default'));
    const cell = r.ok
      ? `${r.stepMs.toFixed(1)} (N=${r.steps}) | ${r.epochS.toFixed(1)} | ${(r.stepMs / base.stepMs).toFixed(2)}`
      : `fails: ${r.why} | - | -`;
    console.log(`| ${r.net} | ${r.config} | ${cell} |`);
  }
}
