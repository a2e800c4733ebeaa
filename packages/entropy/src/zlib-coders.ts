import type * as Zlib from 'node:zlib';
import type { Coder } from './coder.js';

/**
 * node:zlib, looked up when a zlib coder is used rather than imported, so that bundles
 * of @softshare/entropy (and of the .sws decoder) for browsers carry no Node import.
 */
function zlib(id: string): typeof Zlib {
  const get = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  const z = get?.('node:zlib') as typeof Zlib | undefined;
  if (!z) throw new Error(`${id} needs node:zlib (Node >= 20.16); in a browser use rans/1, huffman/1 or lz/1`);
  return z;
}

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
    const z = zlib('brotli/1');
    return new Uint8Array(z.brotliCompressSync(toBytes(symbols, alphabetSize), { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11, [z.constants.BROTLI_PARAM_SIZE_HINT]: symbols.length } }));
  },
  decode(bytes, count, alphabetSize) {
    check(alphabetSize);
    const width = alphabetSize <= 256 ? 1 : 2;
    return fromBytes(new Uint8Array(zlib('brotli/1').brotliDecompressSync(bytes, { maxOutputLength: Math.max(1, count * width) })), count, alphabetSize);
  },
};

/** raw deflate (level 9) over the symbols as bytes: a general-purpose baseline. */
export const deflateCoder: Coder = {
  id: 'deflate/1',
  encode(symbols, alphabetSize) {
    check(alphabetSize);
    return new Uint8Array(zlib('deflate/1').deflateRawSync(toBytes(symbols, alphabetSize), { level: 9 }));
  },
  decode(bytes, count, alphabetSize) {
    check(alphabetSize);
    const width = alphabetSize <= 256 ? 1 : 2;
    return fromBytes(new Uint8Array(zlib('deflate/1').inflateRawSync(bytes, { maxOutputLength: Math.max(1, count * width) })), count, alphabetSize);
  },
};
