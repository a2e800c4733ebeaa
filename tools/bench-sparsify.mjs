#!/usr/bin/env node
// Where a sparse variational dropout step of LeNet-5-Caffe (batch 128, the sparsify
// stage's default options) spends its time on the default backend: ms per step, and the
// kernels' share of it (tf.profile, summed over the steps). The noise (RandomNormal) is
// generated in JS by tfjs and shows up as the time outside the kernels.
//
//   node tools/bench-sparsify.mjs [--steps 8] [--json]
import * as tf from '@tensorflow/tfjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { loadMnist, takeFirst } from '@softshare/data';
import { pretrainedModelPath, toModelData } from '@softshare/models';
import { runVariationalDropout, sparsifyOptionsSchema } from '@softshare/sparsify';

const args = process.argv.slice(2);
const steps = Number(args[args.indexOf('--steps') + 1] || 8) || 8;
await selectBackend({ backend: 'wasm' });
const full = loadMnist('mnist');
const data = { ...full, train: takeFirst(full.train, 128 * steps) };
const model = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-5-caffe')));
const input = toModelData(model);
model.dispose();
const names = new Set(input.params.filter((p) => p.role === 'kernel').map((p) => p.name));
const options = sparsifyOptionsSchema.parse({ epochs: 1, evalEvery: 0 });
await runVariationalDropout(input, { ...data, train: takeFirst(full.train, 256) }, names, options); // warm-up
const stepTimes = [];
let last = performance.now();
const t0 = performance.now();
const info = await tf.profile(() => runVariationalDropout(input, data, names, options, { onStep: () => { const now = performance.now(); stepTimes.push(now - last); last = now; } }).then(() => tf.scalar(0)));
const wall = performance.now() - t0;
const byKernel = new Map();
for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
const kernelMs = [...byKernel.values()].reduce((a, b) => a + b, 0);
stepTimes.sort((a, b) => a - b);
const rows = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, ms]) => ({ kernel: name, ms_per_step: +(ms / steps).toFixed(1), share: +(ms / wall).toFixed(3) }));
const result = { steps, median_step_ms: +stepTimes[stepTimes.length >> 1].toFixed(1), wall_ms_per_step: +(wall / steps).toFixed(1), kernels_ms_per_step: +(kernelMs / steps).toFixed(1), outside_kernels_share: +(1 - kernelMs / wall).toFixed(3), top_kernels: rows };
if (args.includes('--json')) console.log(JSON.stringify(result));
else {
  console.log(`VD step (LeNet-5-Caffe, batch 128, wasm): median ${result.median_step_ms} ms; kernels ${result.kernels_ms_per_step} ms/step, ${(100 * result.outside_kernels_share).toFixed(1)}% of the time outside kernels`);
  for (const r of rows) console.log(`  ${r.kernel.padEnd(24)} ${String(r.ms_per_step).padStart(8)} ms/step  ${(100 * r.share).toFixed(1)}%`);
}
