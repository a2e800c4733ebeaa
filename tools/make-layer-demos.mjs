#!/usr/bin/env node
// Untrained models of the kinds people ship, for `softshare pretrain` / `compress` on MNIST
// (and a sequence task it writes): a small ResNet (residual blocks with BatchNorm, a
// functional graph with Add), a MobileNet-style depthwise-separable CNN (DepthwiseConv2D,
// BatchNorm, ReLU6, SeparableConv2D), and an Embedding + GRU classifier with its data
// (.npy: sequences of 12 tokens from 0..15; class: which of 4 marker tokens occurs most).
//   node tools/make-layer-demos.mjs --out out/layers [--train 20000] [--test 4000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { dump } from 'npyjs';
import { fileIO } from '@softshare/backend';
import { Rng } from '@softshare/core';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const out = opt('out', 'out/layers');
const init = (seed) => tf.initializers.glorotUniform({ seed });
let seed = 1;

// a small ResNet: stem conv, two residual blocks (conv-BN-ReLU-conv-BN + shortcut), pooling, dense
{
  const input = tf.input({ shape: [28, 28, 1], name: 'image' });
  let x = tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(seed++), name: 'stem' }).apply(input);
  x = tf.layers.batchNormalization({ name: 'stem_bn' }).apply(x);
  x = tf.layers.activation({ activation: 'relu', name: 'stem_relu' }).apply(x);
  for (const [b, stride, filters] of [[1, 2, 16], [2, 2, 32]]) {
    let y = tf.layers.conv2d({ filters, kernelSize: 3, strides: stride, padding: 'same', useBias: false, kernelInitializer: init(seed++), name: `b${b}_conv1` }).apply(x);
    y = tf.layers.batchNormalization({ name: `b${b}_bn1` }).apply(y);
    y = tf.layers.activation({ activation: 'relu', name: `b${b}_relu1` }).apply(y);
    y = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(seed++), name: `b${b}_conv2` }).apply(y);
    y = tf.layers.batchNormalization({ name: `b${b}_bn2` }).apply(y);
    const shortcut = tf.layers.conv2d({ filters, kernelSize: 1, strides: stride, useBias: false, kernelInitializer: init(seed++), name: `b${b}_short` }).apply(x);
    x = tf.layers.add({ name: `b${b}_add` }).apply([y, shortcut]);
    x = tf.layers.activation({ activation: 'relu', name: `b${b}_relu2` }).apply(x);
  }
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x);
  const logits = tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(seed++), name: 'out' }).apply(x);
  const resnet = tf.model({ inputs: input, outputs: logits, name: 'resnet' });
  await resnet.save(fileIO(join(out, 'resnet')));
  console.log(`resnet: ${resnet.countParams()} parameters`);
}

// MobileNet-style: conv stem, depthwise + BN + ReLU6, pointwise, a separable block, pooling
{
  const mobile = tf.sequential({
    name: 'mobile',
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init(seed++), name: 'stem' }),
      tf.layers.batchNormalization({ name: 'stem_bn' }),
      tf.layers.reLU({ maxValue: 6, name: 'stem_relu6' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(seed++), name: 'dw1' }),
      tf.layers.batchNormalization({ name: 'dw1_bn' }),
      tf.layers.reLU({ maxValue: 6, name: 'dw1_relu6' }),
      tf.layers.conv2d({ filters: 32, kernelSize: 1, useBias: false, kernelInitializer: init(seed++), name: 'pw1' }),
      tf.layers.batchNormalization({ name: 'pw1_bn' }),
      tf.layers.reLU({ maxValue: 6, name: 'pw1_relu6' }),
      tf.layers.separableConv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', depthwiseInitializer: init(seed++), pointwiseInitializer: init(seed++), name: 'sep2' }),
      tf.layers.batchNormalization({ name: 'sep2_bn' }),
      tf.layers.reLU({ maxValue: 6, name: 'sep2_relu6' }),
      tf.layers.globalAveragePooling2d({ name: 'pool' }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(seed++), name: 'out' }),
    ],
  });
  await mobile.save(fileIO(join(out, 'mobile')));
  console.log(`mobile: ${mobile.countParams()} parameters`);
}

// Embedding + GRU on a generated sequence task
{
  const rng = new Rng(7);
  const T = 12;
  const split = (n) => {
    const x = new Float32Array(n * T);
    const y = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const counts = [0, 0, 0, 0];
      for (let t = 0; t < T; t++) {
        const tok = rng.int(16);
        x[i * T + t] = tok;
        if (tok < 4) counts[tok]++;
      }
      const top = Math.max(...counts);
      y[i] = BigInt(counts.indexOf(top));
    }
    return { x, y };
  };
  const dir = join(out, 'sequences');
  mkdirSync(dir, { recursive: true });
  for (const [name, n] of [['train', Number(opt('train', 20000))], ['test', Number(opt('test', 4000))]]) {
    const s = split(n);
    writeFileSync(join(dir, `x_${name}.npy`), new Uint8Array(dump(s.x, [n, T])));
    writeFileSync(join(dir, `y_${name}.npy`), new Uint8Array(dump(s.y, [n])));
  }
  const gru = tf.sequential({
    name: 'gru',
    layers: [
      tf.layers.embedding({ inputDim: 16, outputDim: 16, inputLength: T, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed++ }), name: 'emb' }),
      tf.layers.gru({ units: 32, kernelInitializer: init(seed++), recurrentInitializer: init(seed++), name: 'gru' }),
      tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(seed++), name: 'out' }),
    ],
  });
  await gru.save(fileIO(join(out, 'gru')));
  console.log(`gru: ${gru.countParams()} parameters; sequences in ${dir}`);
}
