#!/usr/bin/env node
// Which tensor's quantisation breaks a model: balance its BatchNormalization (as compress
// does by default; --fold folds it instead, --keep leaves it as it is), retrain briefly under the prior, merge and quantise, then the MNIST validation
// error with every tensor quantised and with each tensor alone quantised (the rest
// float), beside each tensor's codebook. A diagnosis, not a benchmark.
//   node tools/quantize-per-tensor.mjs out/layers/mobile-pre/model.json [--epochs 2] [--train 6000] [--tau 0.03] [--pi0 0.999] [--fold | --keep]
import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, of } from 'rxjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { dequantize } from '@softshare/core';
import { carveValidation, loadMnist, takeFirst } from '@softshare/data';
import { merge } from '@softshare/merge';
import { evaluate, fromModelData, toModelData } from '@softshare/models';
import { prepareBatchNorm } from '@softshare/pipeline';
import { quantize } from '@softshare/quantize';
import { retrain } from '@softshare/retrain';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
await selectBackend({ backend: 'wasm' });
const full = carveValidation(loadMnist('mnist'), 5000);
const data = { ...full, train: takeFirst(full.train, Number(arg('--train', '6000'))), validation: takeFirst(full.validation, 2000) };
const net = await tf.loadLayersModel(fileIO(process.argv[2]));
const input = prepareBatchNorm(toModelData(net), { foldBatchNorm: process.argv.includes('--fold'), balanceBatchNorm: !process.argv.includes('--keep') });
const err = async (m) => {
  const n = await fromModelData(m);
  const e = evaluate(n, data.validation).error;
  n.dispose();
  return `${(100 * e).toFixed(2)}%`;
};
console.log(`validation error (2,000 of the 5,000): ${input.diagnostics.map((d) => d.message).join('; ') || 'BatchNormalization kept'}; float ${await err(input)}`);
const retrained = await lastValueFrom(of(input).pipe(retrain(data, { epochs: Number(arg('--epochs', '2')), tau: Number(arg('--tau', '0.03')), prior: { pi0: Number(arg('--pi0', '0.999')) } })));
const q = await lastValueFrom(of(retrained).pipe(merge(), quantize()));
console.log(`retrained float ${await err(retrained)}; every tensor quantised ${await err(q)}`);
console.log('| tensor | non-zero | shared values | validation error, only this tensor quantised |');
console.log('|---|---|---|---|');
for (const t of q.quantized) {
  const one = { ...retrained, params: retrained.params.map((p) => (p.name === t.name ? { ...p, values: dequantize(t) } : p)) };
  const nz = t.codes.reduce((s, c) => s + (c ? 1 : 0), 0);
  console.log(`| ${t.name} | ${nz}/${t.codes.length} | ${Array.from(t.codebook).map((v) => +v.toFixed(3)).join(', ')} | ${await err(one)} |`);
}
