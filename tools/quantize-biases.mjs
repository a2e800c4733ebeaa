#!/usr/bin/env node
// The storage step of `softshare compress` (storeByWorth, @softshare/pipeline) on an existing
// .sws, no retraining: each tensor outside the prior (biases, ...), largest first, onto the
// fewest of --values shared values (default 4,8,16,32), else float16, that make the file smaller and keep
// the MNIST validation error (the seeded split of --validation training examples, default
// 5,000) at or under the file's own plus --max-increase (default 0); then the shared values
// to the fewest of --digits significant digits (default 3,4,5,6; '' for none) that do the
// same. Chosen on validation; the test error is reported once, at the end. --coders a,b,c:
// each tensor stored by the smallest of them (default: the default coder). Writes the file
// and its summary (storage recomputed).
//   node tools/quantize-biases.mjs results/lenet-5-caffe-vd.sws --out out/x.sws
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@softshare/backend';
import { carveValidation, loadMnist } from '@softshare/data';
import { DEFAULT_CODER_ID } from '@softshare/entropy';
import { readSwsHeader, swsIO, swsToQuantized } from '@softshare/format';
import { evaluate } from '@softshare/models';
import { errorOfFile, storageOptionsSchema, storeByWorth } from '@softshare/pipeline';
import { withoutUnreachable } from '@softshare/prune';
import { storageFigures } from '../packages/cli/dist/accounting.js';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const list = (s) => s.split(',').filter((x) => x !== '').map(Number);
const file = process.argv[2];
const out = arg('--out');
const maxIncrease = Number(arg('--max-increase', '0'));
const options = storageOptionsSchema.parse({ values: list(arg('--values', '4,8,16,32')), digits: list(arg('--digits', '3,4,5,6')) });
await selectBackend({ backend: 'wasm' });
const bytesIn = new Uint8Array(readFileSync(file));
const { header } = readSwsHeader(bytesIn);
const encode = { coder: arg('--coders', DEFAULT_CODER_ID).split(','), generator: header.generator, ...(header.preprocessing ? { preprocessing: header.preprocessing } : {}) };
const data = carveValidation(loadMnist('mnist'), Number(arg('--validation', '5000')));
const model = withoutUnreachable(swsToQuantized(bytesIn));
const reference = await errorOfFile(bytesIn, data.validation);
console.log(`${file}: validation error ${(100 * reference).toFixed(2)}% (limit ${(100 * (reference + maxIncrease)).toFixed(2)}%)`);
const measure = async (bytes) => [await errorOfFile(bytes, data.validation)];
const stored = await storeByWorth(model, [reference + maxIncrease], measure, encode, options);
const { choice, encoded } = stored;
console.log(`  ${choice.tensors.map((t) => `${t.name} on ${t.values} values`).join(', ') || 'no tensor on shared values'}; ${choice.float16.length > 0 ? `${choice.float16.join(', ')} in float16; ` : ''}shared values ${choice.digits === null ? 'exact' : `to ${choice.digits} digits`}`);
const original = model.params.reduce((s, p) => s + 4 * p.values.length, 0);
const net = await tf.loadLayersModel(swsIO(encoded.bytes));
const validation = evaluate(net, data.validation).error;
const test = evaluate(net, data.test).error;
net.dispose();
console.log(`${encoded.bytes.length} bytes (from ${bytesIn.length}), file-size ratio ${(original / encoded.bytes.length).toFixed(1)}, validation ${(100 * validation).toFixed(2)}%, test ${(100 * test).toFixed(2)}%`);
if (out) {
  const summary = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
  const storage = storageFigures(original, stored.model, encoded);
  writeFileSync(out, encoded.bytes);
  writeFileSync(`${out}.json`, JSON.stringify({ ...summary, ...storage, error_after: test, validation_error_after: validation, biases_on_shared_values: { from_bytes: bytesIn.length, values: options.values, codebook_digits: choice.digits, tensors: choice.tensors, coders: encode.coder, max_increase: maxIncrease, command: `node tools/quantize-biases.mjs ${process.argv.slice(2).join(' ')}`, date: new Date().toISOString().slice(0, 10) } }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}
