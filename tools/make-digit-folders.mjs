#!/usr/bin/env node
// The same examples as a NumPy folder and as an image folder, plus an untrained small CNN
// that is not a LeNet, to run `softshare pretrain` / `softshare compress` on each as a
// user would: the first --train / --test MNIST examples (the data ships offline).
//   node tools/make-digit-folders.mjs --out out/digits [--train 10000] [--test 2000]
// writes <out>/npy/{x,y}_{train,test}.npy (uint8 [N, 28, 28], int64 [N]),
//        <out>/images/{train,test}/<digit>/<index>.png (8-bit grey),
//        <out>/untrained/model.json (conv 16 -> pool -> conv 32 -> pool -> dense 64 -> 10 softmax)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'npyjs';
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import { fileIO } from '@softshare/backend';
import { loadMnist, takeFirst } from '@softshare/data';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const out = opt('out', 'out/digits');
const mnist = loadMnist('mnist');
const splits = { train: takeFirst(mnist.train, Number(opt('train', 10000))), test: takeFirst(mnist.test, Number(opt('test', 2000))) };

mkdirSync(join(out, 'npy'), { recursive: true });
for (const [name, s] of Object.entries(splits)) {
  writeFileSync(join(out, 'npy', `x_${name}.npy`), new Uint8Array(dump(s.inputs, [s.count, ...s.shape])));
  writeFileSync(join(out, 'npy', `y_${name}.npy`), new Uint8Array(dump(BigInt64Array.from(s.labels, (l) => BigInt(l)), [s.count])));
  const [h, w] = s.shape;
  for (let i = 0; i < s.count; i++) {
    const dir = join(out, 'images', name, String(s.labels[i]));
    mkdirSync(dir, { recursive: true });
    const png = new PNG({ width: w, height: h, colorType: 0, inputColorType: 0, bitDepth: 8 });
    png.data = Buffer.from(s.inputs.subarray(i * h * w, (i + 1) * h * w));
    writeFileSync(join(dir, `${String(i).padStart(5, '0')}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 0 }));
  }
}
const init = (seed) => tf.initializers.glorotUniform({ seed });
const model = tf.sequential({
  layers: [
    tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu', name: 'conv1', kernelInitializer: init(1) }),
    tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
    tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', name: 'conv2', kernelInitializer: init(2) }),
    tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
    tf.layers.flatten({ name: 'flatten' }),
    tf.layers.dense({ units: 64, activation: 'relu', name: 'fc1', kernelInitializer: init(3) }),
    tf.layers.dense({ units: 10, activation: 'softmax', name: 'fc2', kernelInitializer: init(4) }),
  ],
});
await model.save(fileIO(join(out, 'untrained')));
console.log(`wrote ${out}/npy, ${out}/images (${splits.train.count} + ${splits.test.count} examples), ${out}/untrained/model.json (${model.countParams()} parameters)`);
