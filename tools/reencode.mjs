#!/usr/bin/env node
// Re-encode an existing .sws with every coder and position layout (no retraining) and
// print the file sizes: the coder/layout comparison in docs/RESULTS.md.
//   node tools/reencode.mjs file.sws [--out better.sws --coder rans/1 --layout smallest --others float32|float16]
import { readFileSync, writeFileSync } from 'node:fs';
import { coderIds } from '@softshare/entropy';
import { encodeSws, readSwsHeader, swsToQuantized } from '@softshare/format';

const arg = (k) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : undefined);
const file = process.argv[2];
const bytesIn = new Uint8Array(readFileSync(file));
const { header } = readSwsHeader(bytesIn);
const model = swsToQuantized(bytesIn);
const original = model.params.reduce((s, t) => s + 4 * t.values.length, 0);
if (arg('--out')) {
  const { bytes } = encodeSws(model, { coder: arg('--coder') ?? 'rans/1', layout: arg('--layout') ?? 'smallest', others: arg('--others') ?? 'float32', generator: header.generator });
  writeFileSync(arg('--out'), bytes);
  console.log(`wrote ${arg('--out')}: ${bytes.length} bytes, file-size ratio ${(original / bytes.length).toFixed(1)}`);
} else {
  console.log(`${file}: float32 bytes of every parameter ${original}`);
  console.log('| coder | layout | positions B | codes B | file B | file-size ratio |');
  console.log('|---|---|---|---|---|---|');
  for (const coder of coderIds()) {
    for (const layout of ['escape', 'context', 'smallest']) {
      const e = encodeSws(model, { coder, layout, generator: header.generator });
      const pos = e.tensors.reduce((s, t) => s + t.positionBytes, 0);
      const codes = e.tensors.reduce((s, t) => s + t.codeBytes, 0);
      console.log(`| ${coder} | ${layout} | ${pos} | ${codes} | ${e.bytes.length} | ${(original / e.bytes.length).toFixed(1)} |`);
    }
  }
}
