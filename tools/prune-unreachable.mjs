#!/usr/bin/env node
// Apply the quantize stage's unreachable-weight pruning to an existing .sws (no
// retraining) and write the result: what docs/RESULTS.md measures it with.
//   node tools/prune-unreachable.mjs in.sws --out out.sws
import { readFileSync, writeFileSync } from 'node:fs';
import { encodeSws, readSwsHeader, swsToQuantized } from '@softshare/format';
import { withoutUnreachable } from '@softshare/prune';

const arg = (k) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const file = process.argv[2];
const out = arg('--out');
if (!file || !out) {
  console.error('usage: node tools/prune-unreachable.mjs in.sws --out out.sws');
  process.exit(2);
}
const bytesIn = new Uint8Array(readFileSync(file));
const { header } = readSwsHeader(bytesIn);
const before = swsToQuantized(bytesIn);
const after = withoutUnreachable(before);
const nz = (q) => q.codes.reduce((n, c) => n + (c !== 0 ? 1 : 0), 0);
const nonzero = (m) => m.quantized.reduce((s, q) => s + nz(q), 0);
const weights = before.quantized.reduce((s, q) => s + q.codes.length, 0);
const original = before.params.reduce((s, t) => s + 4 * t.values.length, 0);
const { bytes } = encodeSws(after, { coder: header.coder ?? 'rans/1', generator: header.generator });
writeFileSync(out, bytes);
for (const d of after.diagnostics) console.log(`${d.stage}: ${d.message}`);
for (const q of after.quantized) {
  const was = before.quantized.find((b) => b.name === q.name);
  console.log(`${q.name}: non-zero ${nz(was)} -> ${nz(q)} of ${q.codes.length}`);
}
console.log(`non-zero ${nonzero(before)} -> ${nonzero(after)} of ${weights} (${((100 * nonzero(after)) / weights).toFixed(2)}%); ${bytesIn.length} -> ${bytes.length} bytes, file-size ratio ${(original / bytesIn.length).toFixed(1)} -> ${(original / bytes.length).toFixed(1)}`);
