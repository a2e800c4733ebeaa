#!/usr/bin/env node
// Compare the masks (which weights are non-zero) of two .sws files, tensor by tensor:
// non-zeros in each and in both, and the codebook sizes.
//   node tools/mask-diff.mjs a.sws b.sws
import { readFileSync } from 'node:fs';
import { swsToQuantized } from '@softshare/format';

const files = process.argv.slice(2);
if (files.length !== 2) {
  console.error('usage: node tools/mask-diff.mjs a.sws b.sws');
  process.exit(2);
}
const [a, b] = files.map((f) => swsToQuantized(new Uint8Array(readFileSync(f))));
console.log('tensor            non-zero a   non-zero b   in both   codebook a / b');
for (const qa of a.quantized) {
  const qb = b.quantized.find((x) => x.name === qa.name);
  if (!qb) {
    console.log(`${qa.name.padEnd(16)}  only in ${files[0]}`);
    continue;
  }
  let na = 0, nb = 0, both = 0;
  for (let i = 0; i < qa.codes.length; i++) {
    const x = qa.codes[i] !== 0, y = qb.codes[i] !== 0;
    na += x; nb += y; both += x && y;
  }
  console.log(`${qa.name.padEnd(16)}  ${String(na).padStart(10)}   ${String(nb).padStart(10)}   ${String(both).padStart(7)}   ${qa.codebook.length} / ${qb.codebook.length}`);
}
