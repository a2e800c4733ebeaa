#!/usr/bin/env node
// Time to decode a .sws file into tfjs tensors (decodeSws + tf.tensor for every weight),
// median of N runs after 3 warm-ups, in one process; and what the topology check (a part of
// decoding) costs on its own.
//   node tools/bench-decode.mjs results/lenet-5-caffe.sws [--runs 30]
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@softshare/backend';
import { checkTopologyWeights, decodeSws, readSwsHeader, swsIO } from '@softshare/format';

const file = process.argv[2];
const runs = process.argv.includes('--runs') ? Number(process.argv[process.argv.indexOf('--runs') + 1]) : 30;
const backend = await selectBackend();
const bytes = readFileSync(file);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const toTensors = [];
const toModel = [];
const check = [];
const { header } = readSwsHeader(bytes);
for (let k = 0; k < runs + 3; k++) {
  let t0 = performance.now();
  const ts = decodeSws(bytes).tensors.map((t) => tf.tensor(t.values, t.shape));
  const a = performance.now() - t0;
  tf.dispose(ts);
  t0 = performance.now();
  const model = await tf.loadLayersModel(swsIO(bytes));
  const b = performance.now() - t0;
  model.dispose();
  t0 = performance.now();
  checkTopologyWeights(header.modelTopology, header.tensors, { ordered: true });
  const c = performance.now() - t0;
  if (k >= 3) {
    toTensors.push(a);
    toModel.push(b);
    check.push(c);
  }
}
console.log(`${file}: ${bytes.length} bytes, backend ${backend.name}, median of ${runs}`);
console.log(`decode to tfjs tensors: ${median(toTensors).toFixed(2)} ms`);
console.log(`tf.loadLayersModel(swsIO(bytes)) (decode + build the model): ${median(toModel).toFixed(2)} ms`);
console.log(`of which the topology check (part of decoding): ${median(check).toFixed(3)} ms`);
