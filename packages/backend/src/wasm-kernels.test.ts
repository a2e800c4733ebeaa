import * as tf from '@tensorflow/tfjs';
import { closeOrMessage, leakedTensors } from '@softshare/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './index.js';

// Every patched wasm kernel is checked against the pure-JS cpu backend, forward and
// through its gradient, on small random cases.

type Case = { name: string; inputs: () => tf.Tensor[]; f: (...xs: tf.Tensor[]) => tf.Tensor };

function rand(shape: number[], seed: number, shift = 0): tf.Tensor {
  return tf.tidy(() => tf.randomNormal(shape, shift, 1, 'float32', seed));
}

async function run(backend: 'cpu' | 'wasm', c: Case): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = c.inputs();
    // weight the output so every element's gradient differs
    const g = tf.grads((...a: tf.Tensor[]) => {
      const y = c.f(...a);
      return y.mul(tf.randomUniform(y.shape, 0.5, 1.5, 'float32', 99)).sum();
    });
    const grads = g(xs);
    return [c.f(...xs), ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

const cases: Case[] = [
  { name: 'matMul a^T b', inputs: () => [rand([7, 5], 1), rand([7, 3], 2)], f: (a, b) => tf.matMul(a, b, true, false) },
  { name: 'matMul a b^T', inputs: () => [rand([5, 7], 3), rand([3, 7], 4)], f: (a, b) => tf.matMul(a, b, false, true) },
  { name: 'matMul a^T b^T batched', inputs: () => [rand([2, 7, 5], 5), rand([2, 3, 7], 6)], f: (a, b) => tf.matMul(a, b, true, true) },
  {
    name: 'fused dense relu with bias',
    inputs: () => [rand([6, 8], 7), rand([8, 4], 8), rand([4], 9)],
    f: (x, w, b) => tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' }),
  },
  {
    name: 'conv2d 5x5 valid (LeNet-5 conv1)',
    inputs: () => [rand([3, 12, 12, 1], 10), rand([5, 5, 1, 4], 11)],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
  },
  {
    name: 'conv2d 5x5 valid multi-channel',
    inputs: () => [rand([2, 10, 9, 3], 12), rand([5, 5, 3, 6], 13)],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'),
  },
  {
    name: 'conv2d 3x3 same',
    inputs: () => [rand([2, 7, 6, 2], 14), rand([3, 3, 2, 3], 15)],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
  },
  {
    name: 'conv2d 3x3 stride 2 same (im2col path)',
    inputs: () => [rand([2, 9, 8, 2], 16), rand([3, 3, 2, 3], 17)],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
  },
  {
    name: 'conv2d 2x2 stride 2 valid, odd input (im2col path)',
    inputs: () => [rand([1, 7, 7, 2], 18), rand([2, 2, 2, 2], 19)],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid'),
  },
  {
    name: 'maxPool 2x2 stride 2, mixed signs',
    inputs: () => [rand([2, 8, 8, 3], 20)],
    f: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'),
  },
  {
    name: 'maxPool 2x2 stride 2, every window <= 0',
    inputs: () => [tf.tidy(() => rand([2, 6, 6, 2], 21).abs().neg())],
    f: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'),
  },
  {
    name: 'maxPool 3x3 stride 2 same, all negative',
    inputs: () => [tf.tidy(() => rand([1, 7, 7, 2], 22).sub(5))],
    f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same'),
  },
  {
    name: 'depthwiseConv2d 3x3 same, multiplier 1 (MobileNet)',
    inputs: () => [rand([2, 7, 6, 3], 23), rand([3, 3, 3, 1], 24)],
    f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
  },
  {
    name: 'depthwiseConv2d 3x3 stride 2 valid, multiplier 2',
    inputs: () => [rand([2, 9, 8, 2], 25), rand([3, 3, 2, 2], 26)],
    f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid'),
  },
  {
    name: 'separableConv2d 3x3 same (depthwise then pointwise)',
    inputs: () => [rand([2, 6, 6, 3], 29), rand([3, 3, 3, 2], 30), rand([1, 1, 6, 4], 31)],
    f: (x, d, p) => tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 1, 'same'),
  },
  {
    name: 'gather rows, repeated ids (Embedding)',
    inputs: () => [rand([7, 4], 32)],
    f: (table) => tf.gather(table, tf.tensor1d([3, 0, 3, 6, 1, 3], 'int32')),
  },
  {
    name: 'gather a batch of sequences (Embedding on [batch, time])',
    inputs: () => [rand([5, 3], 33)],
    f: (table) => tf.gather(table, tf.tensor2d([[1, 4, 4], [0, 2, 1]], [2, 3], 'int32')),
  },
  {
    name: 'conv2dTranspose 3x3 stride 2 same (Conv2DTranspose)',
    inputs: () => [rand([2, 4, 5, 3], 34), rand([3, 3, 2, 3], 35)],
    f: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 10, 2], 2, 'same'),
  },
  {
    name: 'conv2dTranspose 3x3 stride 1 valid',
    inputs: () => [rand([1, 5, 5, 2], 36), rand([3, 3, 3, 2], 37)],
    f: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 7, 7, 3], 1, 'valid'),
  },
  {
    name: 'conv1d width 3 (Conv1D)',
    inputs: () => [rand([2, 9, 4], 38), rand([3, 4, 5], 39)],
    f: (x, w) => tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, 1, 'valid'),
  },
  // stock tfjs-backend-wasm kernels the other layers' training needs: checked the same way
  { name: 'relu6 (ReLU6, MobileNet)', inputs: () => [rand([2, 5, 5, 3], 40)], f: (x) => tf.relu6(tf.mul(x, 4)) },
  { name: 'avgPool 2x2 stride 2 (AveragePooling2D)', inputs: () => [rand([2, 6, 6, 3], 41)], f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'global average pooling', inputs: () => [rand([2, 5, 5, 4], 42)], f: (x) => tf.mean(x, [1, 2]) },
  { name: 'maxPool3d 2x2x2 (MaxPooling3D)', inputs: () => [rand([1, 4, 4, 4, 2], 43)], f: (x) => tf.maxPool3d(x as tf.Tensor5D, 2, 2, 'valid') },
  { name: 'avgPool3d 2x2x2 (AveragePooling3D)', inputs: () => [rand([1, 4, 4, 4, 2], 44)], f: (x) => tf.avgPool3d(x as tf.Tensor5D, 2, 2, 'valid') },
  // Conv3D's gradients are softshare's (tfjs 4.22's wasm kernels get them wrong: the input gradient always, the filter gradient with stride 2 'same'); its forward pass is stock
  { name: 'conv3d 3x3x3 valid (Conv3D)', inputs: () => [rand([1, 5, 5, 5, 2], 45), rand([3, 3, 3, 2, 3], 46)], f: (x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 1, 'valid') },
  { name: 'conv3d 3x3x2 stride 2 same, batch 2', inputs: () => [rand([2, 5, 6, 4, 3], 47), rand([3, 3, 2, 3, 2], 48)], f: (x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 2, 'same') },
];

describe('patched wasm training kernels match the cpu backend', () => {
  beforeAll(async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    await selectBackend({ backend: 'wasm' });
  });

  it.each(cases)('$name: output and gradients', async (c) => {
    const want = await run('cpu', c);
    const got = await run('wasm', c);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      expect(closeOrMessage(got[i], want[i], { atol: 1e-4, rtol: 1e-4 }), `tensor ${i}`).toBeNull();
    }
  });

  it('stays correct when its output allocation grows the wasm memory (heap views re-taken)', async () => {
    await tf.setBackend('wasm');
    // bigger than anything allocated before in this process, so makeOutput must grow memory
    const [poolSum, poolFinite] = tf.tidy(() => {
      const x = tf.randomNormal([1, 1024, 1024, 8], 0, 1, 'float32', 5) as tf.Tensor4D;
      const dx = tf.grad((v: tf.Tensor) => tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid').sum())(x);
      return [dx.sum().dataSync()[0], tf.all(tf.isFinite(dx)).dataSync()[0]];
    });
    expect(poolFinite).toBe(1);
    expect(poolSum).toBe(512 * 512 * 8);
    const filterFinite = tf.tidy(() => {
      const x = tf.randomNormal([4, 1400, 1400, 2], 0, 1, 'float32', 6) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 7) as tf.Tensor4D;
      const dw = tf.grad((f: tf.Tensor) => tf.conv2d(x, f as tf.Tensor4D, 2, 'same').sum())(w);
      return tf.all(tf.isFinite(dw)).dataSync()[0];
    });
    expect(filterFinite).toBe(1);
  }, 60_000);

  it('leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    for (const c of cases) {
      const xs = c.inputs();
      const leaked = await leakedTensors(tf, () => {
        tf.dispose(tf.tidy(() => tf.grads((...a: tf.Tensor[]) => c.f(...a).sum())(xs)));
      });
      tf.dispose(xs);
      expect(leaked, c.name).toBe(0);
    }
  });
});
