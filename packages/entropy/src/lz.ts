/**
 * `lz/1`: a general-purpose byte compressor for small texts such as the .sws header
 * (tfjs topology JSON, tensor table), where brotli's dictionary would be the alternative
 * but is not available in every JavaScript runtime. LZ77 (greedy, hash chains over
 * 3-byte prefixes, whole input as window) with every decision and every bit coded by the
 * adaptive binary arithmetic coder: literals with the previous byte as context, a
 * "repeat the last distance" flag (JSON repeats itself at fixed distances), lengths and
 * distances as Elias-gamma numbers with adaptive bits. An optional dictionary (bytes both
 * sides know, e.g. typical header text) primes the window, as zlib's preset dictionary.
 */
import { BitDecoder, BitEncoder } from './binary-coder.js';
import type { Coder } from './coder.js';

const MIN_MATCH = 3;
const MAX_CHAIN = 256;
const HASH_BITS = 15;
/** Bits of a gamma-coded number: values up to 2^31. */
const GAMMA_BITS = 32;
const ADAPT = 4;

// context layout of one probability table
const IS_MATCH = 0; // 2 contexts: previous token was a literal / a match
const IS_REP = 2; // 1 context
const LITERAL = 3; // 256 previous bytes x 256 bit-tree nodes
const GAMMA_CONTEXTS = (GAMMA_BITS + 1) * (GAMMA_BITS + 1); // unary flags, then bits per (length, position)
const GAMMA_LEN = LITERAL + 256 * 256;
const GAMMA_DIST = GAMMA_LEN + GAMMA_CONTEXTS;
const CONTEXTS = GAMMA_DIST + GAMMA_CONTEXTS;

type Put = (bit: number, ctx: number) => void;
type Get = (ctx: number) => number;

/** v >= 1 as Elias gamma: (bit length - 1) in unary, then the bits below the top one. */
function putGamma(put: Put, base: number, v: number): void {
  const n = 32 - Math.clz32(v);
  for (let i = 1; i < n; i++) put(1, base + i);
  put(0, base + n);
  const bits = base + GAMMA_BITS + 1 + n * GAMMA_BITS;
  for (let i = n - 2; i >= 0; i--) put((v >>> i) & 1, bits + i);
}

function getGamma(get: Get, base: number): number {
  let n = 1;
  while (get(base + n) === 1) {
    if (++n >= GAMMA_BITS) throw new RangeError('lz/1: corrupt input (number too long)');
  }
  const bits = base + GAMMA_BITS + 1 + n * GAMMA_BITS;
  let v = 1;
  for (let i = n - 2; i >= 0; i--) v = (v << 1) | get(bits + i);
  return v >>> 0;
}

function hash3(src: Uint8Array, i: number): number {
  return (((src[i] << 16) | (src[i + 1] << 8) | src[i + 2]) * 2654435761) >>> (32 - HASH_BITS);
}

function matchLength(src: Uint8Array, a: number, b: number, max: number): number {
  let n = 0;
  while (n < max && src[a + n] === src[b + n]) n++;
  return n;
}

/** Compress bytes; the length is not stored (the container keeps it). */
export function lzCompress(input: Uint8Array, dictionary: Uint8Array = new Uint8Array(0)): Uint8Array {
  const src = new Uint8Array(dictionary.length + input.length);
  src.set(dictionary);
  src.set(input, dictionary.length);
  const enc = new BitEncoder(CONTEXTS, ADAPT);
  const put: Put = (bit, ctx) => enc.encode(bit, ctx);
  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(src.length);
  const insert = (i: number) => {
    if (i + MIN_MATCH > src.length) return;
    const h = hash3(src, i);
    prev[i] = head[h];
    head[h] = i;
  };
  for (let i = 0; i < dictionary.length; i++) insert(i);
  let lastDist = 0;
  let prevMatch = 0;
  let pos = dictionary.length;
  while (pos < src.length) {
    const max = src.length - pos;
    let bestLen = 0;
    let bestDist = 0;
    if (max >= MIN_MATCH) {
      for (let cand = head[hash3(src, pos)], steps = 0; cand >= 0 && steps < MAX_CHAIN; cand = prev[cand], steps++) {
        const len = matchLength(src, cand, pos, max);
        if (len > bestLen) {
          bestLen = len;
          bestDist = pos - cand;
          if (len === max) break;
        }
      }
      // the repeated distance costs a couple of bits: take it unless clearly shorter
      if (lastDist > 0 && lastDist <= pos) {
        const repLen = matchLength(src, pos - lastDist, pos, max);
        if (repLen >= MIN_MATCH && repLen + 1 >= bestLen) {
          bestLen = repLen;
          bestDist = lastDist;
        }
      }
    }
    if (bestLen >= MIN_MATCH) {
      put(1, IS_MATCH + prevMatch);
      const rep = bestDist === lastDist ? 1 : 0;
      put(rep, IS_REP);
      if (!rep) putGamma(put, GAMMA_DIST, bestDist);
      putGamma(put, GAMMA_LEN, bestLen - MIN_MATCH + 1);
      for (let i = 0; i < bestLen; i++) insert(pos + i);
      pos += bestLen;
      lastDist = bestDist;
      prevMatch = 1;
    } else {
      put(0, IS_MATCH + prevMatch);
      const ctx = LITERAL;
      let node = 1;
      for (let i = 7; i >= 0; i--) {
        const bit = (src[pos] >> i) & 1;
        put(bit, ctx + node);
        node = (node << 1) | bit;
      }
      insert(pos);
      pos++;
      prevMatch = 0;
    }
  }
  return enc.finish();
}

/** Decompress exactly `outLength` bytes; throws RangeError on input lz/1 did not write. */
export function lzDecompress(bytes: Uint8Array, outLength: number, dictionary: Uint8Array = new Uint8Array(0)): Uint8Array {
  const length = dictionary.length + outLength;
  const out = new Uint8Array(length);
  out.set(dictionary);
  const dec = new BitDecoder(bytes, CONTEXTS, ADAPT);
  const get: Get = (ctx) => dec.decode(ctx);
  let lastDist = 0;
  let prevMatch = 0;
  let pos = dictionary.length;
  while (pos < length) {
    if (get(IS_MATCH + prevMatch) === 1) {
      const dist = get(IS_REP) === 1 ? lastDist : getGamma(get, GAMMA_DIST);
      const len = getGamma(get, GAMMA_LEN) + MIN_MATCH - 1;
      if (dist === 0 || dist > pos || len > length - pos) throw new RangeError(`lz/1: corrupt input (match of ${len} at distance ${dist} from byte ${pos} of ${length})`);
      for (let i = 0; i < len; i++, pos++) out[pos] = out[pos - dist];
      lastDist = dist;
      prevMatch = 1;
    } else {
      const ctx = LITERAL;
      let node = 1;
      for (let i = 0; i < 8; i++) node = (node << 1) | get(ctx + node);
      out[pos++] = node & 255;
      prevMatch = 0;
    }
  }
  return out.subarray(dictionary.length);
}

/** lz/1 in the Coder interface, for symbols that are bytes (alphabet at most 256). */
export const lzCoder: Coder = {
  id: 'lz/1',
  encode(symbols, alphabetSize) {
    if (alphabetSize > 256) throw new RangeError(`lz/1 codes bytes: expected an alphabet of at most 256, got ${alphabetSize}`);
    return lzCompress(Uint8Array.from(symbols));
  },
  decode(bytes, count, alphabetSize) {
    if (alphabetSize > 256) throw new RangeError(`lz/1 codes bytes: expected an alphabet of at most 256, got ${alphabetSize}`);
    const out = Uint32Array.from(lzDecompress(bytes, count));
    for (const s of out) if (s >= alphabetSize) throw new RangeError(`lz/1: corrupt input (symbol ${s} outside an alphabet of ${alphabetSize})`);
    return out;
  },
};
