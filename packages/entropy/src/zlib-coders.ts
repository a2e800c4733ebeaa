import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Coder } from './coder.js';

function toBytes(symbols: Uint32Array, alphabetSize: number): Uint8Array {
  if (alphabetSize <= 256) return Uint8Array.from(symbols);
  const out = new Uint8Array(symbols.length * 2);
  for (let i = 0; i < symbols.length; i++) {
    out[2 * i] = symbols[i] & 0xff;
    out[2 * i + 1] = symbols[i] >>> 8;
  }
  return out;
}

function fromBytes(bytes: Uint8Array, count: number, alphabetSize: number): Uint32Array {
  const width = alphabetSize <= 256 ? 1 : 2;
  if (bytes.length !== count * width) throw new RangeError(`Expected ${count * width} decompressed bytes, got ${bytes.length}`);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const s = width === 1 ? bytes[i] : bytes[2 * i] | (bytes[2 * i + 1] << 8);
    if (s >= alphabetSize) throw new RangeError(`Expected symbols below ${alphabetSize}, got ${s}`);
    out[i] = s;
  }
  return out;
}

/** Alphabets above 65536 symbols do not fit the byte wrappers. */
function check(alphabetSize: number): void {
  if (alphabetSize > 65536) throw new RangeError(`Expected an alphabet of at most 65536 symbols for a zlib coder, got ${alphabetSize}`);
}

/** brotli (quality 11) over the symbols as bytes: a general-purpose baseline. */
export const brotliCoder: Coder = {
  id: 'brotli/1',
  encode(symbols, alphabetSize) {
    check(alphabetSize);
    return new Uint8Array(brotliCompressSync(toBytes(symbols, alphabetSize), { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: symbols.length } }));
  },
  decode(bytes, count, alphabetSize) {
    check(alphabetSize);
    const width = alphabetSize <= 256 ? 1 : 2;
    return fromBytes(new Uint8Array(brotliDecompressSync(bytes, { maxOutputLength: Math.max(1, count * width) })), count, alphabetSize);
  },
};

/** raw deflate (level 9) over the symbols as bytes: a general-purpose baseline. */
export const deflateCoder: Coder = {
  id: 'deflate/1',
  encode(symbols, alphabetSize) {
    check(alphabetSize);
    return new Uint8Array(deflateRawSync(toBytes(symbols, alphabetSize), { level: 9 }));
  },
  decode(bytes, count, alphabetSize) {
    check(alphabetSize);
    const width = alphabetSize <= 256 ? 1 : 2;
    return fromBytes(new Uint8Array(inflateRawSync(bytes, { maxOutputLength: Math.max(1, count * width) })), count, alphabetSize);
  },
};
