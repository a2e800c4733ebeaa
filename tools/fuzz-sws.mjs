#!/usr/bin/env node
// The long fuzz run of the .sws decoder, the CI tests' loops for a given number of minutes.
//   --mode bytes:   mutateSws on valid files of every layout and coder (bytes, bit flips,
//                   truncation, hostile header fields, garbage sections); each case must end
//                   in a SoftshareError E_FORMAT_* or a valid decode.
//   --mode meaning: mutateSwsMeaning (the header edited as data, re-framed with valid
//                   checksums) on a functional, a recurrent and a dense model; each case must
//                   end in E_FORMAT_* or a model that tf.loadLayersModel(swsIO(bytes)) builds
//                   and that predicts.
//   --mode both (default) alternates them.
// Fails on any other outcome, a case slower than 1 s, or one that grows the heap by more
// than 64 MiB.
//   node --expose-gc tools/fuzz-sws.mjs [--minutes 10] [--seed 1] [--mode both]
// (without --expose-gc it runs faster, and the heap figure includes pending garbage)
import * as tf from '@tensorflow/tfjs';
import { isSoftshareError, Rng } from '@softshare/core';
import { decodeSws, encodeSws, mutateSws, mutateSwsMeaning, swsIO, tinyFunctionalModel, tinyQuantizedModel, tinyRecurrentModel } from '@softshare/format';

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const minutes = Number(arg('--minutes', 10));
const mode = arg('--mode', 'both');
const rng = new Rng(Number(arg('--seed', 1)));
await tf.setBackend('cpu');
console.warn = () => {};
const coders = ['rans/1', 'huffman/1', 'adaptive/1', 'brotli/1', 'deflate/1'];
const layouts = ['escape', 'context'];
const byteValids = layouts.flatMap((layout) => coders.map((coder) => encodeSws(tinyQuantizedModel(), { layout, coder }).bytes));
const meaningValids = [tinyFunctionalModel(), tinyRecurrentModel(), tinyQuantizedModel()].flatMap((m) => layouts.flatMap((layout) => coders.map((coder) => encodeSws(m, { layout, coder }).bytes)));

function finding(i, kind, why) {
  console.error(`FINDING at case ${i} (${kind}): ${why}`);
  process.exit(1);
}

async function loadAndPredict(bytes) {
  const model = await tf.loadLayersModel(swsIO(bytes));
  try {
    const inputs = model.inputs.map((x) => tf.zeros(x.shape.map((d) => d ?? 1), x.dtype));
    const out = model.predict(inputs.length === 1 ? inputs[0] : inputs);
    for (const o of Array.isArray(out) ? out : [out]) o.dataSync();
    tf.dispose([inputs, out]);
  } finally {
    model.dispose();
  }
}

const end = Date.now() + minutes * 60_000;
const counts = {};
let cases = 0;
let slowest = 0;
let maxGrowth = 0;
while (Date.now() < end) {
  const meaning = mode === 'meaning' || (mode === 'both' && cases % 2 === 1);
  const valids = meaning ? meaningValids : byteValids;
  const valid = valids[Math.floor(cases / 2) % valids.length];
  const c = meaning ? mutateSwsMeaning(valid, rng) : mutateSws(valid, rng);
  // with --expose-gc the growth is what a case keeps, not garbage that happens to be pending
  const mem = () => {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  };
  const before = mem();
  const t0 = performance.now();
  let outcome;
  try {
    decodeSws(c.bytes);
    outcome = 'decoded';
    if (!c.checksumsFixed && !Buffer.from(c.bytes).equals(Buffer.from(valid))) finding(cases, c.kind, 'a file with a wrong checksum decoded');
  } catch (e) {
    if (!isSoftshareError(e) || !e.code.startsWith('E_FORMAT_')) finding(cases, c.kind, String(e));
    outcome = e.code;
  }
  if (meaning && outcome === 'decoded') {
    try {
      await loadAndPredict(c.bytes);
      outcome = 'loads and predicts';
    } catch (e) {
      finding(cases, c.kind, `decoded, but tfjs cannot load or run it: ${String(e).split('\n')[0]}`);
    }
  }
  const ms = performance.now() - t0;
  const growth = mem() - before;
  slowest = Math.max(slowest, ms);
  maxGrowth = Math.max(maxGrowth, growth);
  if (ms > 1000 || growth > 64 * 2 ** 20) finding(cases, c.kind, `${ms.toFixed(0)} ms, heap +${(growth / 2 ** 20).toFixed(1)} MiB`);
  const key = `${meaning ? 'meaning' : 'bytes'} ${c.kind}: ${outcome}`;
  counts[key] = (counts[key] ?? 0) + 1;
  cases++;
}
console.log(JSON.stringify({ minutes, mode, gc: typeof globalThis.gc === 'function', cases, slowest_ms: +slowest.toFixed(1), max_heap_growth_mib: +(maxGrowth / 2 ** 20).toFixed(2), findings: 0, counts }, null, 1));
