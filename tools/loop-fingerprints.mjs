#!/usr/bin/env node
// SHA-256 of what each training loop produces on a small slice of MNIST (pretrain,
// retrain with a mid-epoch cancel and resume, tune, mask search, sparsify), so a change
// to the shared training loop can be checked to leave every stage's bytes unchanged:
// run it before and after and compare the lines.
//   node tools/loop-fingerprints.mjs [--backend wasm]
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { fileIO, selectBackend } from '@softshare/backend';
import { loadMnist, takeFirst } from '@softshare/data';
import { merge } from '@softshare/merge';
import { lenet300100, pretrain, pretrainedModelPath, toModelData } from '@softshare/models';
import { quantize } from '@softshare/quantize';
import { retrainOptionsSchema, runRetraining } from '@softshare/retrain';
import { runSparsify, sparsifyOptionsSchema } from '@softshare/sparsify';
import { runMaskSearch, runSharedTuning, tuneOptionsSchema } from '@softshare/tune';
import { firstValueFrom, of } from 'rxjs';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
await selectBackend({ backend: arg('--backend', 'wasm') });
const full = loadMnist('mnist');
const data = { ...full, train: takeFirst(full.train, 640), test: takeFirst(full.test, 200) };
const hash = (m) => {
  const h = createHash('sha256');
  for (const p of m.params) h.update(Buffer.from(p.values.buffer, p.values.byteOffset, p.values.byteLength));
  for (const q of m.quantized ?? []) h.update(Buffer.from(q.codes)).update(Buffer.from(q.codebook.buffer, q.codebook.byteOffset, q.codebook.byteLength));
  return h.digest('hex').slice(0, 16);
};
const line = (name, m, extra = '') => console.log(`${name.padEnd(10)} ${hash(m)}${extra}`);

const fresh = lenet300100(3);
const history = await pretrain(fresh, data, { epochs: 2, seed: 3 });
line('pretrain', toModelData(fresh), `  loss ${history.map((h) => h.loss.toFixed(6)).join(' ')}`);
fresh.dispose();

const model = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-300-100')));
const pretrained = toModelData(model);
model.dispose();
const ropts = retrainOptionsSchema.parse({ epochs: 2, trainLimit: 640, batchSize: 128, evalEvery: 0, warmupEpochs: 1, tau: 0.5 });
const straight = await runRetraining(pretrained, data, ropts);
line('retrain', straight);
let saved;
let steps = 0;
await runRetraining(pretrained, data, ropts, { isCancelled: () => ++steps > 7, onCheckpoint: (s) => (saved = s) }).catch((e) => {
  if (e.code !== 'E_CANCELLED') throw e;
});
const resumed = await runRetraining(pretrained, data, ropts, { resumeFrom: saved });
line('resumed', resumed, `  (checkpoint at epoch ${saved.epoch}, batch ${saved.step ?? 0})`);

const quantized = await firstValueFrom(of(straight).pipe(merge(), quantize()));
const topts = tuneOptionsSchema.parse({ epochs: 1, trainLimit: 640, reassign: true });
line('tune', await runSharedTuning(quantized, data, topts));
const mopts = tuneOptionsSchema.parse({ epochs: 0, mask: { epochs: 1, every: 2, density: 0.2, refit: true, shift: 1 } });
line('mask', await runMaskSearch(quantized, data, mopts.mask, mopts));
const sopts = sparsifyOptionsSchema.parse({ epochs: 2, trainLimit: 640, density: 0.1, evalEvery: 1 });
line('sparsify', await runSparsify(pretrained, data, sopts));
