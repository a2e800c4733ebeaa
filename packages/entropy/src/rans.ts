import { readVarint, writeVarint } from './bit-io.js';
import type { Coder } from './coder.js';

const RANS_L = 2 ** 23; // lower bound of the normalised state

/** Quantise counts to frequencies summing to 2^scaleBits, every used symbol >= 1. */
export function quantizeFrequencies(counts: ArrayLike<number>, scaleBits: number): Uint32Array {
  const M = 2 ** scaleBits;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const f = new Uint32Array(counts.length);
  if (total === 0) return f;
  let sum = 0;
  let biggest = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    f[i] = Math.max(1, Math.round((counts[i] * M) / total));
    sum += f[i];
    if (counts[i] > counts[biggest] || f[biggest] === 0) biggest = i;
  }
  // settle the rounding error on the largest symbols, never taking one below 1
  const bySize = [...f.keys()].filter((i) => f[i] > 0).sort((a, b) => f[b] - f[a]);
  let k = 0;
  while (sum !== M) {
    const i = bySize[k % bySize.length];
    if (sum > M) {
      if (f[i] > 1) {
        f[i]--;
        sum--;
      }
    } else {
      f[i]++;
      sum++;
    }
    k++;
  }
  return f;
}

function scaleFor(used: number): number {
  return Math.min(22, Math.max(15, Math.ceil(Math.log2(Math.max(2, used))) + 2));
}

/**
 * Static rANS with byte renormalisation (32-bit state in [2^23, 2^31)) and frequencies
 * quantised to 2^15 (more for large alphabets): within a fraction of a percent of the
 * empirical entropy plus its table. Table: used count, scale bits, then (symbol gap,
 * frequency) varint pairs; then the final state (4 bytes) and the renormalisation bytes.
 */
export const ransCoder: Coder = {
  id: 'rans/1',
  encode(symbols, alphabetSize) {
    const counts = new Float64Array(alphabetSize);
    for (const s of symbols) counts[s]++;
    let used = 0;
    for (const c of counts) if (c > 0) used++;
    const head: number[] = [];
    writeVarint(head, used);
    if (used <= 1) {
      const s = counts.findIndex((c) => c > 0);
      if (used === 1) writeVarint(head, s);
      return Uint8Array.from(head);
    }
    const scaleBits = scaleFor(used);
    const M = 2 ** scaleBits;
    const freq = quantizeFrequencies(counts, scaleBits);
    const start = new Uint32Array(alphabetSize);
    head.push(scaleBits);
    let last = -1;
    let acc = 0;
    for (let s = 0; s < alphabetSize; s++) {
      start[s] = acc;
      acc += freq[s];
      if (freq[s] === 0) continue;
      writeVarint(head, s - last - 1);
      writeVarint(head, freq[s]);
      last = s;
    }
    // encode backwards; bytes come out reversed
    let out = new Uint8Array(Math.max(16, symbols.length));
    let n = 0;
    let x = RANS_L;
    const maxBase = 2 ** (31 - scaleBits);
    for (let i = symbols.length - 1; i >= 0; i--) {
      const s = symbols[i];
      const f = freq[s];
      const xMax = maxBase * f;
      while (x >= xMax) {
        if (n === out.length) {
          const next = new Uint8Array(out.length * 2);
          next.set(out);
          out = next;
        }
        out[n++] = x & 0xff;
        x = Math.floor(x / 256);
      }
      x = Math.floor(x / f) * M + (x % f) + start[s];
    }
    const result = new Uint8Array(head.length + 4 + n);
    result.set(head);
    const p = head.length;
    result[p] = (x >>> 24) & 0xff;
    result[p + 1] = (x >>> 16) & 0xff;
    result[p + 2] = (x >>> 8) & 0xff;
    result[p + 3] = x & 0xff;
    for (let i = 0; i < n; i++) result[p + 4 + i] = out[n - 1 - i];
    return result;
  },
  decode(bytes, count, alphabetSize) {
    const out = new Uint32Array(count);
    const at = { pos: 0 };
    if (bytes.length === 0) {
      if (count === 0) return out;
      throw new RangeError(`Expected coded data for ${count} symbols, got none`);
    }
    const used = readVarint(bytes, at);
    if (used > alphabetSize) throw new RangeError(`Expected at most ${alphabetSize} used symbols, got ${used}`);
    if (used <= 1) {
      if (used === 0) {
        if (count !== 0) throw new RangeError(`Expected no symbols for an empty table, got ${count}`);
        return out;
      }
      const s = readVarint(bytes, at);
      if (s >= alphabetSize) throw new RangeError(`Expected a symbol below ${alphabetSize}, got ${s}`);
      return out.fill(s);
    }
    if (at.pos >= bytes.length) throw new RangeError('Expected the scale bits, got the end of the data');
    const scaleBits = bytes[at.pos++];
    if (scaleBits !== scaleFor(used)) throw new RangeError(`Expected scale bits ${scaleFor(used)}, got ${scaleBits}`);
    const M = 2 ** scaleBits;
    const freq = new Uint32Array(alphabetSize);
    const start = new Uint32Array(alphabetSize);
    const slot = new Uint32Array(M);
    let s = -1;
    let acc = 0;
    for (let k = 0; k < used; k++) {
      s += readVarint(bytes, at) + 1;
      const f = readVarint(bytes, at);
      if (s >= alphabetSize || f === 0 || acc + f > M) throw new RangeError('Expected a frequency table summing to 2^scale over the alphabet, got an invalid one');
      freq[s] = f;
      start[s] = acc;
      slot.fill(s, acc, acc + f);
      acc += f;
    }
    if (acc !== M) throw new RangeError(`Expected frequencies summing to ${M}, got ${acc}`);
    if (at.pos + 4 > bytes.length) throw new RangeError('Expected the 4-byte rANS state, got the end of the data');
    let x = bytes[at.pos] * 2 ** 24 + (bytes[at.pos + 1] << 16) + (bytes[at.pos + 2] << 8) + bytes[at.pos + 3];
    let p = at.pos + 4;
    for (let i = 0; i < count; i++) {
      const r = x % M;
      const sym = slot[r];
      out[i] = sym;
      x = freq[sym] * Math.floor(x / M) + r - start[sym];
      while (x < RANS_L) {
        if (p >= bytes.length) throw new RangeError('Expected more rANS bytes, got the end of the data');
        x = x * 256 + bytes[p++];
      }
    }
    if (x !== RANS_L) throw new RangeError('Expected the rANS state to return to its start, got another: corrupt data');
    return out;
  },
};
