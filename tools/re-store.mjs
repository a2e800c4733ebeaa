#!/usr/bin/env node
// Store a committed result again with the current storage, without retraining: decode the
// .sws, drop what cannot reach the output (the prune stage: dead units' weights and, since
// 2026-12-03, their biases), encode with --coder (default: the default coder, adaptive/1
// since 2026-12-06) and the file's preprocessing, check that the
// decoded model's MNIST test error is unchanged, and write the file with its summary
// updated (storage figures recomputed, the rest kept, `restored` saying from what).
//   node tools/re-store.mjs results/lenet-5-caffe-vd.sws [--out results/lenet-5-caffe-vd.sws] [--coder adaptive/1]
import { readFileSync, writeFileSync } from 'node:fs';
import { selectBackend } from '@softshare/backend';
import { loadMnist } from '@softshare/data';
import { DEFAULT_CODER_ID } from '@softshare/entropy';
import { encodeSws, readSwsHeader, swsToQuantized } from '@softshare/format';
import { errorOfFile } from '@softshare/pipeline';
import { withoutUnreachable } from '@softshare/prune';
import { storageFigures } from '../packages/cli/dist/accounting.js';

const arg = (k) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const file = process.argv[2];
const out = arg('--out') ?? file;
await selectBackend({ backend: 'wasm' });
const bytesIn = new Uint8Array(readFileSync(file));
const summary = JSON.parse(readFileSync(`${file}.json`, 'utf8'));
const { header } = readSwsHeader(bytesIn);
const model = withoutUnreachable(swsToQuantized(bytesIn));
const coder = (arg('--coder') ?? DEFAULT_CODER_ID).split(',');
const encoded = encodeSws(model, { coder, generator: header.generator, ...(header.preprocessing ? { preprocessing: header.preprocessing } : {}) });
const test = loadMnist('mnist').test;
const before = await errorOfFile(bytesIn, test);
const after = await errorOfFile(encoded.bytes, test);
if (before !== summary.error_after) throw new Error(`${file}: evaluates to ${before}, its summary says ${summary.error_after}`);
if (after !== before) console.log(`note: test error ${before} -> ${after} (dead units' biases were not exactly dead?)`);
const storage = storageFigures(summary.original_bytes, model, encoded);
const updated = { ...summary, ...storage, error_after: after, restored: { from_bytes: bytesIn.length, from_ratio: summary.original_bytes / bytesIn.length, coder: coder.join(','), command: `node tools/re-store.mjs ${file}`, date: new Date().toISOString().slice(0, 10), ...(summary.restored ? { before: summary.restored } : {}) } };
writeFileSync(out, encoded.bytes);
writeFileSync(`${out}.json`, JSON.stringify(updated, null, 2) + '\n');
console.log(`${file}: ${bytesIn.length} -> ${encoded.bytes.length} bytes, file-size ratio ${(summary.original_bytes / bytesIn.length).toFixed(1)} -> ${storage.file_ratio.toFixed(1)}, test error ${(100 * before).toFixed(2)}% -> ${(100 * after).toFixed(2)}%; wrote ${out}`);
