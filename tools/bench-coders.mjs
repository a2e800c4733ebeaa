#!/usr/bin/env node
// Encode/decode throughput (MB/s of symbols, one byte per symbol) and bits per symbol of
// every registered coder, on the gap and code streams of a real .sws file (or on a
// synthetic 90%-zero stream when none is given). Median of 5 runs each.
//   node tools/bench-coders.mjs [file.sws]
import { readFileSync } from 'node:fs';
import { coderIds, findCoder, toEscapeStreams } from '@softshare/entropy';
import { decodeSws } from '@softshare/format';

const file = process.argv[2];
let streams;
if (file) {
  const { tensors } = decodeSws(readFileSync(file));
  const codes = tensors.filter((t) => t.codes).map((t) => ({ codes: t.codes, k: t.codebook.length }));
  const gaps = codes.flatMap(({ codes: c }) => Array.from(toEscapeStreams(c).gaps));
  const nz = codes.flatMap(({ codes: c }) => Array.from(toEscapeStreams(c).codes));
  const K = Math.max(...codes.map((c) => c.k));
  const full = codes.flatMap(({ codes: c }) => Array.from(c));
  streams = [
    ['all codes incl. zeros', Uint32Array.from(full), K],
    ['gap stream', Uint32Array.from(gaps), 256],
    ['non-zero code stream', Uint32Array.from(nz), Math.max(1, K - 1)],
  ];
} else {
  let s = 1;
  const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  streams = [['synthetic 1M, 90% zeros', Uint32Array.from({ length: 1_000_000 }, () => (r() < 0.9 ? 0 : 1 + Math.floor(r() * 15))), 16]];
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function entropy(sym) {
  const m = new Map();
  for (const x of sym) m.set(x, (m.get(x) ?? 0) + 1);
  let h = 0;
  for (const c of m.values()) h -= c * Math.log2(c / sym.length);
  return h / sym.length;
}
console.log(`| stream | symbols | entropy bit/sym | coder | bit/sym | encode MB/s | decode MB/s |`);
console.log('|---|---|---|---|---|---|---|');
for (const [name, sym, alphabet] of streams) {
  for (const id of coderIds()) {
    const c = findCoder(id);
    const enc = [];
    const dec = [];
    let bytes;
    for (let k = 0; k < 5; k++) {
      let t0 = performance.now();
      bytes = c.encode(sym, alphabet);
      enc.push(performance.now() - t0);
      t0 = performance.now();
      c.decode(bytes, sym.length, alphabet);
      dec.push(performance.now() - t0);
    }
    const mb = sym.length / 1e6;
    console.log(`| ${name} | ${sym.length} | ${entropy(sym).toFixed(3)} | ${id} | ${((bytes.length * 8) / sym.length).toFixed(3)} | ${(mb / (median(enc) / 1000)).toFixed(1)} | ${(mb / (median(dec) / 1000)).toFixed(1)} |`);
  }
}
