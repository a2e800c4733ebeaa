import { BitReader, BitWriter, readVarint, writeVarint } from './bit-io.js';
import type { Coder } from './coder.js';

/** Longest code a table may hold; 2^limit must cover the alphabet. */
function limitFor(used: number): number {
  return Math.max(15, Math.ceil(Math.log2(Math.max(2, used))) + 1);
}

/**
 * Huffman code lengths for `counts` (0 for unused symbols), limited to `limit` bits: an
 * over-long code is cut to the limit and the Kraft sum repaired by lengthening the
 * least probable codes that are still below it.
 */
export function huffmanLengths(counts: ArrayLike<number>, limit: number): Uint8Array {
  const n = counts.length;
  const lengths = new Uint8Array(n);
  const used: number[] = [];
  for (let i = 0; i < n; i++) if (counts[i] > 0) used.push(i);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    lengths[used[0]] = 1;
    return lengths;
  }
  // Huffman tree over a sorted queue pair (two-queue method): O(n log n) for the sort only
  const nodes = used.map((s) => ({ w: counts[s], sym: s, l: -1, r: -1 })).sort((a, b) => a.w - b.w || a.sym - b.sym);
  const tree: { w: number; sym: number; l: number; r: number }[] = [...nodes];
  const leaves = nodes.map((_, i) => i);
  const inner: number[] = [];
  let li = 0;
  let ii = 0;
  const take = () => (ii >= inner.length || (li < leaves.length && tree[leaves[li]].w <= tree[inner[ii]].w) ? leaves[li++] : inner[ii++]);
  for (let k = 0; k < used.length - 1; k++) {
    const a = take();
    const b = take();
    tree.push({ w: tree[a].w + tree[b].w, sym: -1, l: a, r: b });
    inner.push(tree.length - 1);
  }
  const depth = new Int32Array(tree.length);
  for (let i = tree.length - 1; i >= 0; i--) {
    const t = tree[i];
    if (t.sym < 0) {
      depth[t.l] = depth[i] + 1;
      depth[t.r] = depth[i] + 1;
    } else {
      lengths[t.sym] = Math.min(depth[i], limit);
    }
  }
  // repair Kraft: sum 2^(limit - l) must be <= 2^limit
  let kraft = 0;
  for (const s of used) kraft += 2 ** (limit - lengths[s]);
  const cap = 2 ** limit;
  if (kraft > cap) {
    const byRarity = [...used].sort((a, b) => counts[a] - counts[b] || b - a);
    while (kraft > cap) {
      for (const s of byRarity) {
        if (lengths[s] < limit) {
          kraft -= 2 ** (limit - lengths[s] - 1);
          lengths[s]++;
          break;
        }
      }
    }
  }
  return lengths;
}

/** Canonical codes from lengths: shorter codes first, ties by symbol. */
function canonical(lengths: Uint8Array): { codes: Uint32Array; order: number[] } {
  const order = [...lengths.keys()].filter((s) => lengths[s] > 0).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const codes = new Uint32Array(lengths.length);
  let code = 0;
  let prev = 0;
  for (const s of order) {
    code <<= lengths[s] - prev;
    prev = lengths[s];
    codes[s] = code++;
  }
  return { codes, order };
}

/**
 * Canonical, length-limited Huffman coding: the coder of the paper's storage format
 * (it cannot spend less than one bit per symbol). Table: used-symbol count, then
 * (symbol gap, length) pairs as varints. A single used symbol costs no bits per symbol.
 */
export const huffmanCoder: Coder = {
  id: 'huffman/1',
  encode(symbols, alphabetSize) {
    const counts = new Float64Array(alphabetSize);
    for (const s of symbols) counts[s]++;
    const usedCount = counts.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
    const lengths = huffmanLengths(counts, limitFor(usedCount));
    const head: number[] = [];
    writeVarint(head, usedCount);
    let last = -1;
    for (let s = 0; s < alphabetSize; s++) {
      if (lengths[s] === 0) continue;
      writeVarint(head, s - last - 1);
      head.push(lengths[s]);
      last = s;
    }
    if (usedCount <= 1) return Uint8Array.from(head);
    const { codes } = canonical(lengths);
    const w = new BitWriter();
    for (const s of symbols) w.write(codes[s], lengths[s]);
    const body = w.finish();
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  },
  decode(bytes, count, alphabetSize) {
    const at = { pos: 0 };
    const out = new Uint32Array(count);
    if (count === 0 && bytes.length <= 1) return out;
    const used = readVarint(bytes, at);
    if (used > alphabetSize || used === 0) throw new RangeError(`Expected 1 to ${alphabetSize} used symbols, got ${used}`);
    const lengths = new Uint8Array(alphabetSize);
    let s = -1;
    const limit = limitFor(used);
    for (let k = 0; k < used; k++) {
      s += readVarint(bytes, at) + 1;
      if (s >= alphabetSize || at.pos >= bytes.length) throw new RangeError(`Expected a symbol below ${alphabetSize} in the Huffman table, got ${s}`);
      const l = bytes[at.pos++];
      if (l < 1 || l > limit) throw new RangeError(`Expected code lengths 1..${limit}, got ${l}`);
      lengths[s] = l;
    }
    if (used === 1) return out.fill(s);
    const { order } = canonical(lengths);
    // per length: first canonical code and index of its first symbol in `order`
    const countPer = new Int32Array(limit + 2);
    for (const x of order) countPer[lengths[x]]++;
    let kraft = 0;
    for (let l = 1; l <= limit; l++) kraft += countPer[l] * 2 ** (limit - l);
    if (kraft > 2 ** limit) throw new RangeError('Expected a prefix code, got code lengths that over-fill the Kraft sum');
    const first = new Int32Array(limit + 2);
    const firstIdx = new Int32Array(limit + 2);
    let code = 0;
    let idx = 0;
    for (let l = 1; l <= limit; l++) {
      first[l] = code;
      firstIdx[l] = idx;
      code = (code + countPer[l]) << 1;
      idx += countPer[l];
    }
    const r = new BitReader(bytes.subarray(at.pos));
    for (let i = 0; i < count; i++) {
      let c = 0;
      let l = 0;
      for (;;) {
        c = (c << 1) | r.readBit();
        l++;
        if (l > limit) throw new RangeError('Expected a valid Huffman code, got none within the length limit');
        const off = c - first[l];
        if (off >= 0 && off < countPer[l]) {
          out[i] = order[firstIdx[l] + off];
          break;
        }
      }
    }
    return out;
  },
};
