#!/usr/bin/env node
// Put the biases of an existing .sws on shared values (no retraining), largest tensor
// first, each on the fewest values (of --values, default 4,8,16,32) that keep the MNIST
// validation error (the seeded split of --validation training examples, default 5,000) at
// or under the file's own plus --max-increase (default 0) and make the file smaller (else
// the tensor stays as it is): chosen on validation, the test error reported once at the
// end; then the shared values to the fewest significant digits (of --digits, default
// 3,4,5,6; '' for none) that keep it (encodeSws's codebookDigits). Writes the file and its
// summary (storage recomputed). --coders a,b,c: each tensor stored by the smallest of them.
//   node tools/quantize-biases.mjs results/lenet-5-caffe-vd.sws --coders rans/1,huffman/1,lz/1 --out out/x.sws
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '@softshare/backend';
import { dequantize } from '@softshare/core';
import { carveValidation, loadMnist } from '@softshare/data';
import { encodeSws, readSwsHeader, swsIO, swsToQuantized } from '@softshare/format';
import { evaluate, fromModelData } from '@softshare/models';
import { errorOfFile } from '@softshare/pipeline';
import { withoutUnreachable } from '@softshare/prune';
import { quantizeValues } from '@softshare/quantize';
import { storageFigures } from '../packages/cli/dist/accounting.js';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const file = process.argv[2];
const out = arg('--out');
const choices = arg('--values', '4,8,16,32').split(',').map(Number);
const maxIncrease = Number(arg('--max-increase', '0'));
await selectBackend({ backend: 'wasm' });
const bytesIn = new Uint8Array(readFileSync(file));
const { header } = readSwsHeader(bytesIn);
// the file's coder, or with --coders a list: each tensor takes the smallest (rans/1, huffman/1 and lz/1 decode in browsers too)
const coder = arg('--coders')?.split(',') ?? header.tensors.find((t) => t.encoding === 'shared')?.coder ?? 'rans/1';
const data = carveValidation(loadMnist('mnist'), Number(arg('--validation', '5000')));
let model = withoutUnreachable(swsToQuantized(bytesIn));
const errorOf = async (m, split) => {
  const net = await fromModelData(m);
  const e = evaluate(net, split).error;
  net.dispose();
  return e;
};
const reference = await errorOf(model, data.validation);
let bytesNow = encodeSws(model, { coder }).bytes.length;
console.log(`${file}: validation error ${(100 * reference).toFixed(2)}% with float32 biases (limit ${(100 * (reference + maxIncrease)).toFixed(2)}%)`);
const biases = model.params.filter((p) => p.role === 'bias' && !model.quantized.some((q) => q.name === p.name)).sort((a, b) => b.values.length - a.values.length);
for (const p of biases) {
  for (const k of choices) {
    const q = quantizeValues(p.name, p.shape, p.values, k);
    const trial = { ...model, params: model.params.map((x) => (x.name === p.name ? { ...x, values: dequantize(q) } : x)), quantized: [...model.quantized, q] };
    const e = await errorOf(trial, data.validation);
    const bytes = encodeSws(trial, { coder }).bytes.length;
    console.log(`  ${p.name} on ${k} values: validation ${(100 * e).toFixed(2)}%, ${bytes} bytes`);
    if (bytes >= bytesNow) break; // more values only cost more: the tensor stays as it is
    if (e <= reference + maxIncrease + 1e-12) {
      model = trial;
      bytesNow = bytes;
      break;
    }
  }
}
// then the shared values' digits in the header: the fewest of --digits (default 3,4,5,6) that keep the validation error
const options = { coder, generator: header.generator, ...(header.preprocessing ? { preprocessing: header.preprocessing } : {}) };
const exactBytes = encodeSws(model, options).bytes.length;
let codebookDigits;
for (const d of arg('--digits', '3,4,5,6').split(',').filter((x) => x !== '').map(Number)) {
  const bytes = encodeSws(model, { ...options, codebookDigits: d }).bytes;
  const e = await errorOfFile(bytes, data.validation);
  console.log(`  shared values to ${d} digits: validation ${(100 * e).toFixed(2)}%, ${bytes.length} bytes`);
  if (e <= reference + maxIncrease + 1e-12 && bytes.length < exactBytes) {
    codebookDigits = d;
    break;
  }
}
// lossless last: with several coders, each tensor's smallest, or one coder for every tensor when that is smaller (one coder name repeated compresses better in the header)
const final = { ...options, ...(codebookDigits === undefined ? {} : { codebookDigits }) };
const encoded = [coder, ...(Array.isArray(coder) ? coder : [])].map((c) => encodeSws(model, { ...final, coder: c })).reduce((a, b) => (b.bytes.length < a.bytes.length ? b : a));
const original = model.params.reduce((s, p) => s + 4 * p.values.length, 0);
const net = await tf.loadLayersModel(swsIO(encoded.bytes));
const validation = evaluate(net, data.validation).error;
const test = evaluate(net, data.test).error;
net.dispose();
console.log(`${encoded.bytes.length} bytes (from ${bytesIn.length}), file-size ratio ${(original / encoded.bytes.length).toFixed(1)}, validation ${(100 * validation).toFixed(2)}%, test ${(100 * test).toFixed(2)}%`);
if (out) {
  const summary = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
  const storage = storageFigures(original, model, encoded);
  writeFileSync(out, encoded.bytes);
  writeFileSync(`${out}.json`, JSON.stringify({ ...summary, ...storage, error_after: test, validation_error_after: validation, biases_on_shared_values: { from_bytes: bytesIn.length, values: choices, codebook_digits: codebookDigits ?? null, coders: coder, max_increase: maxIncrease, command: `node tools/quantize-biases.mjs ${process.argv.slice(2).join(' ')}`, date: new Date().toISOString().slice(0, 10) } }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}
