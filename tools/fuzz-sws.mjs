#!/usr/bin/env node
// The long fuzz run of the .sws decoder: the CI test's loop (mutateSws on valid files of
// every layout and coder) for a given number of minutes. Fails on any outcome that is not
// a SoftshareError E_FORMAT_* or a valid decode, on a case slower than 1 s, or on a
// decode that grows the heap by more than 64 MiB.
//   node tools/fuzz-sws.mjs [--minutes 10] [--seed 1]
import { isSoftshareError, Rng } from '@softshare/core';
import { decodeSws, encodeSws, mutateSws, tinyQuantizedModel } from '@softshare/format';

const arg = (k, d) => (process.argv.includes(k) ? Number(process.argv[process.argv.indexOf(k) + 1]) : d);
const minutes = arg('--minutes', 10);
const rng = new Rng(arg('--seed', 1));
const valids = ['escape', 'context'].flatMap((layout) => ['rans/1', 'huffman/1', 'brotli/1', 'deflate/1'].map((coder) => encodeSws(tinyQuantizedModel(), { layout, coder }).bytes));
const end = Date.now() + minutes * 60_000;
const counts = {};
let cases = 0;
let slowest = 0;
let maxGrowth = 0;
while (Date.now() < end) {
  const c = mutateSws(valids[cases % valids.length], rng);
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let outcome;
  try {
    decodeSws(c.bytes);
    outcome = 'decoded';
    if (!c.checksumsFixed && !Buffer.from(c.bytes).equals(Buffer.from(valids[cases % valids.length]))) throw new Error('a file with a wrong checksum decoded');
  } catch (e) {
    if (!isSoftshareError(e) || !e.code.startsWith('E_FORMAT_')) {
      console.error(`FINDING at case ${cases} (${c.kind}): ${String(e)}`);
      process.exit(1);
    }
    outcome = e.code;
  }
  const ms = performance.now() - t0;
  const growth = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - before;
  slowest = Math.max(slowest, ms);
  maxGrowth = Math.max(maxGrowth, growth);
  if (ms > 1000 || growth > 64 * 2 ** 20) {
    console.error(`FINDING at case ${cases} (${c.kind}): ${ms.toFixed(0)} ms, heap +${(growth / 2 ** 20).toFixed(1)} MiB`);
    process.exit(1);
  }
  counts[`${c.kind}: ${outcome}`] = (counts[`${c.kind}: ${outcome}`] ?? 0) + 1;
  cases++;
}
console.log(JSON.stringify({ minutes, cases, slowest_ms: +slowest.toFixed(1), max_heap_growth_mib: +(maxGrowth / 2 ** 20).toFixed(2), findings: 0, counts }, null, 1));
