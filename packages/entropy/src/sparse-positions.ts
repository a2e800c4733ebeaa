import { huffmanLengths } from './huffman.js';

/** A sparse code tensor split into two symbol streams. */
export interface SparseStreams {
  /** Gap symbols; in the escape layout the value `escape` means "skip escape zeros, no code". */
  readonly gaps: Uint32Array;
  /** Non-zero codes minus 1 (the paper layout stores 0 for its filler entries instead). */
  readonly codes: Uint32Array;
}

/**
 * Escape layout (softshare's default): each non-zero stores the number of zeros before
 * it; gaps >= 255 are spelled as runs of the escape symbol 255 (each = 255 zeros, no
 * code) followed by the remainder. Codes of the non-zeros follow as their own stream.
 */
export function toEscapeStreams(codes: Uint8Array): SparseStreams {
  const gaps: number[] = [];
  const nz: number[] = [];
  let run = 0;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] === 0) {
      run++;
      continue;
    }
    while (run >= 255) {
      gaps.push(255);
      run -= 255;
    }
    gaps.push(run);
    nz.push(codes[i] - 1);
    run = 0;
  }
  return { gaps: Uint32Array.from(gaps), codes: Uint32Array.from(nz) };
}

/** Inverse of toEscapeStreams; the total length is known from the tensor's shape. */
export function fromEscapeStreams(s: SparseStreams, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let pos = 0;
  let k = 0;
  for (let g = 0; g < s.gaps.length; g++) {
    const gap = s.gaps[g];
    if (gap > 255) throw new RangeError(`Expected gap symbols 0..255, got ${gap}`);
    pos += gap;
    if (gap === 255) continue;
    if (pos >= length) throw new RangeError(`Expected positions inside the tensor of ${length}, got ${pos}`);
    if (k >= s.codes.length) throw new RangeError('Expected a code for every position, got fewer codes');
    out[pos++] = s.codes[k++] + 1;
  }
  if (k !== s.codes.length) throw new RangeError(`Expected ${s.codes.length} positions, got ${k}`);
  return out;
}

/**
 * The paper's layout (Han et al.): each entry stores a relative index of `indexBits`
 * bits; a gap too long for it is bridged by a filler entry (gap 2^p - 1, code 0) that
 * costs an index AND a code. Codes keep 0 for fillers.
 */
export function toPaperStreams(codes: Uint8Array, indexBits: number): SparseStreams {
  const maxGap = 2 ** indexBits - 1;
  const gaps: number[] = [];
  const cs: number[] = [];
  let run = 0;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] === 0) {
      run++;
      if (run > maxGap) {
        gaps.push(maxGap);
        cs.push(0);
        run = 0;
      }
      continue;
    }
    gaps.push(run);
    cs.push(codes[i]);
    run = 0;
  }
  return { gaps: Uint32Array.from(gaps), codes: Uint32Array.from(cs) };
}

/** Bits of a static Huffman code for `symbols` (at least 1 bit per symbol), table not counted. */
export function huffmanPayloadBits(symbols: Uint32Array, alphabetSize: number): number {
  const counts = new Float64Array(alphabetSize);
  for (const x of symbols) counts[x]++;
  const lengths = huffmanLengths(counts, 24);
  let bits = 0;
  for (let i = 0; i < alphabetSize; i++) bits += counts[i] * lengths[i];
  return bits;
}

/**
 * Bits the paper's storage format spends on one quantised tensor (Han et al.): relative
 * indices of `indexBits` bits with filler entries, Huffman-coded; cluster indices,
 * Huffman-coded; a 32-bit float per codebook entry. Huffman tables are not counted, as
 * in the papers.
 */
export function paperFormatBits(codes: Uint8Array, codebookSize: number, indexBits: number): number {
  const s = toPaperStreams(codes, indexBits);
  return huffmanPayloadBits(s.gaps, 2 ** indexBits) + huffmanPayloadBits(s.codes, Math.max(2, codebookSize)) + 32 * codebookSize;
}
