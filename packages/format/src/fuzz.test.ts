import { isSoftshareError, Rng } from '@softshare/core';
import { describe, expect, it } from 'vitest';
import { decodeSws, encodeSws, mutateSws, tinyGraphModel, tinyQuantizedModel } from './index.js';

// A bounded fuzz run in CI; tools/fuzz-sws.mjs runs the same loop for minutes.
const CASES = 3000;

describe('.sws decoder fuzz', () => {
  it(`ends every one of ${CASES} hostile inputs in a coded error or a valid decode, each within 1 s`, () => {
    const valids = [...(['escape', 'context'] as const).flatMap((layout) => ['rans/1', 'huffman/1'].map((coder) => encodeSws(tinyQuantizedModel(), { layout, coder }).bytes)), encodeSws(tinyGraphModel()).bytes];
    const rng = new Rng(2026);
    const counts: Record<string, number> = {};
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      const c = mutateSws(valids[i % valids.length], rng);
      const t0 = performance.now();
      let outcome: string;
      try {
        decodeSws(c.bytes);
        outcome = 'decoded';
      } catch (e) {
        if (!isSoftshareError(e) || !e.code.startsWith('E_FORMAT_')) throw new Error(`case ${i} (${c.kind}): expected a SoftshareError E_FORMAT_*, got ${String(e)}`);
        outcome = e.code;
      }
      slowest = Math.max(slowest, performance.now() - t0);
      // without fixed checksums, nothing but the original bytes may decode
      if (!c.checksumsFixed && outcome === 'decoded') expect(Buffer.from(c.bytes).equals(Buffer.from(valids[i % valids.length]))).toBe(true);
      counts[`${c.kind}: ${outcome}`] = (counts[`${c.kind}: ${outcome}`] ?? 0) + 1;
    }
    console.log(`fuzz: ${CASES} cases, slowest ${slowest.toFixed(1)} ms`, counts);
    expect(slowest).toBeLessThan(1000);
  }, 120_000);
});
