import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCoder, lzCompress, lzDecompress } from './index.js';

/** Bytes with repeats: pieces of a small vocabulary, as text is. */
const textish = fc.array(fc.constantFrom('{"name":"', 'dense', '","config":{', '"units":', '300', ',', '}', '[[', 'x', '\u00e9'), { maxLength: 400 }).map((xs) => new TextEncoder().encode(xs.join('')));

describe('lz/1', () => {
  it('round-trips random bytes and repetitive text, with and without a dictionary (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), textish), fc.uint8Array({ maxLength: 300 }), (src, dict) => {
        expect(Buffer.from(lzDecompress(lzCompress(src), src.length)).equals(Buffer.from(src))).toBe(true);
        expect(Buffer.from(lzDecompress(lzCompress(src, dict), src.length, dict)).equals(Buffer.from(src))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('handles empty input, one byte and a long run', () => {
    for (const src of [new Uint8Array(0), Uint8Array.of(7), new Uint8Array(1 << 20).fill(65)]) {
      const c = lzCompress(src);
      expect(Buffer.from(lzDecompress(c, src.length)).equals(Buffer.from(src))).toBe(true);
    }
    expect(lzCompress(new Uint8Array(1 << 20).fill(65)).length).toBeLessThan(64);
  });

  it('uses the dictionary: text the dictionary holds costs a few bytes', () => {
    const dict = new TextEncoder().encode('"class_name":"Conv2D","config":{"filters":32,"kernel_size":[3,3],"strides":[1,1],"padding":"valid"');
    const src = dict.subarray(10, 90);
    expect(lzCompress(src, dict).length).toBeLessThan(8);
    expect(lzCompress(src).length).toBeGreaterThan(40);
  });

  it('on corrupt input either throws a RangeError or returns exactly the asked length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 5000 }), (bytes, n) => {
        try {
          expect(lzDecompress(bytes, n).length).toBe(n);
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is a registered byte coder that refuses larger alphabets', () => {
    const coder = findCoder('lz/1')!;
    const s = Uint32Array.from([1, 2, 3, 1, 2, 3, 1, 2, 3, 255]);
    expect(Array.from(coder.decode(coder.encode(s, 256), s.length, 256))).toEqual(Array.from(s));
    expect(() => coder.encode(s, 257)).toThrow(/at most 256/);
    expect(() => coder.decode(coder.encode(s, 256), s.length, 100)).toThrow(/outside an alphabet/);
  });
});
