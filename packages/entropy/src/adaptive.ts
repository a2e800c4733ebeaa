/**
 * `adaptive/1`: adaptive order-0 arithmetic coding, no table. Each symbol is coded as its
 * binary digits down a bit tree (most significant first), every tree node with its own
 * probability estimated from the counts seen so far (Krichevsky-Trofimov: (c + 1/2) /
 * (n + 1)). A branch that holds no symbol of the alphabet is never coded. The cost is the
 * empirical entropy plus about log2(n)/2 bits per node used, instead of a frequency table
 * in front of the stream: what the short streams of a very sparse model (a bias's codes,
 * a few dozen non-zero weights) need. Encoder and decoder update the counts identically.
 */
import { BitDecoder, BitEncoder, PROB_ONE } from './binary-coder.js';
import type { Coder } from './coder.js';

/** Counts are halved past this total: long streams keep adapting, numbers stay small. */
const COUNT_LIMIT = 1 << 16;

/** Bits per symbol: the depth of the tree. */
function depthOf(alphabetSize: number): number {
  return alphabetSize <= 1 ? 0 : 32 - Math.clz32(alphabetSize - 1);
}

/** The node's probability of a 1 in 12 bits from its counts, kept inside 1..4095. */
function probabilityOfOne(c0: number, c1: number): number {
  const p = Math.round(((c1 + 0.5) / (c0 + c1 + 1)) * PROB_ONE);
  return Math.min(PROB_ONE - 1, Math.max(1, p));
}

/**
 * Per-node counts of 0s and 1s and the probability of a 1 they give, node 1 the root and
 * node 2k + b the child of k on bit b; `coded[k]` is 0 where a 1 would leave the alphabet
 * (the bit is 0 without being coded).
 */
class TreeModel {
  readonly c0: Uint32Array;
  readonly c1: Uint32Array;
  readonly p1: Uint16Array;
  readonly coded: Uint8Array;

  constructor(depth: number, alphabetSize: number) {
    const nodes = 1 << depth;
    this.c0 = new Uint32Array(nodes);
    this.c1 = new Uint32Array(nodes);
    this.p1 = new Uint16Array(nodes).fill(PROB_ONE >> 1);
    this.coded = new Uint8Array(nodes);
    for (let t = 0; t < depth; t++) {
      // nodes after t bits: (1 << t) | prefix; the smallest symbol on their 1 branch
      for (let prefix = 0; prefix < 1 << t; prefix++) {
        const smallest = ((prefix << 1) | 1) * 2 ** (depth - 1 - t);
        this.coded[(1 << t) | prefix] = smallest < alphabetSize ? 1 : 0;
      }
    }
  }

  update(node: number, bit: number): void {
    if (bit) this.c1[node]++;
    else this.c0[node]++;
    if (this.c0[node] + this.c1[node] > COUNT_LIMIT) {
      this.c0[node] >>>= 1;
      this.c1[node] >>>= 1;
    }
    this.p1[node] = probabilityOfOne(this.c0[node], this.c1[node]);
  }
}

export const adaptiveCoder: Coder = {
  id: 'adaptive/1',
  encode(symbols, alphabetSize) {
    const depth = depthOf(alphabetSize);
    if (depth === 0 || symbols.length === 0) {
      for (const s of symbols) if (s >= Math.max(1, alphabetSize)) throw new RangeError(`Expected symbols below ${alphabetSize}, got ${s}`);
      return new Uint8Array(0);
    }
    const model = new TreeModel(depth, alphabetSize);
    const { coded, p1 } = model;
    const enc = new BitEncoder(0);
    for (const s of symbols) {
      if (s >= alphabetSize) throw new RangeError(`Expected symbols below ${alphabetSize}, got ${s}`);
      let node = 1;
      for (let level = depth - 1; level >= 0; level--) {
        const bit = (s >>> level) & 1;
        if (coded[node] === 1) {
          enc.encodeWith(bit, p1[node]);
          model.update(node, bit);
        }
        node = 2 * node + bit;
      }
    }
    return enc.finish();
  },
  decode(bytes, count, alphabetSize) {
    const out = new Uint32Array(count);
    const depth = depthOf(alphabetSize);
    if (depth === 0 || count === 0) {
      if (bytes.length > 0) throw new RangeError(`Expected no coded bytes for ${count} symbols of a ${alphabetSize}-symbol alphabet, got ${bytes.length}`);
      return out;
    }
    const model = new TreeModel(depth, alphabetSize);
    const { coded, p1 } = model;
    const dec = new BitDecoder(bytes, 0);
    for (let i = 0; i < count; i++) {
      let node = 1;
      for (let level = 0; level < depth; level++) {
        let bit = 0;
        if (coded[node] === 1) {
          bit = dec.decodeWith(p1[node]);
          model.update(node, bit);
        }
        node = 2 * node + bit;
      }
      out[i] = node - (1 << depth);
    }
    return out;
  },
};
