import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adaptiveCoder, coderIds, findCoder, fromEscapeStreams, huffmanCoder, paperFormatBits, ransCoder, registerCoder, toEscapeStreams, toPaperStreams, type Coder } from './index.js';

const coders = ['rans/1', 'huffman/1', 'adaptive/1', 'brotli/1', 'deflate/1'].map((id) => findCoder(id)!);

const symbolsArb = fc.integer({ min: 1, max: 70000 }).chain((alphabet) =>
  fc.tuple(fc.constant(alphabet), fc.array(fc.integer({ min: 0, max: alphabet - 1 }), { maxLength: 2000 })),
);

function entropyBits(symbols: Uint32Array): number {
  const counts = new Map<number, number>();
  for (const s of symbols) counts.set(s, (counts.get(s) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) h -= c * Math.log2(c / symbols.length);
  return h;
}

describe.each(coders)('$id', (coder: Coder) => {
  it('round-trips random inputs (property)', () => {
    fc.assert(
      fc.property(symbolsArb, ([alphabet, xs]) => {
        if (alphabet > 65536 && coder.id.startsWith('b')) return;
        if (alphabet > 65536 && coder.id.startsWith('d')) return;
        const s = Uint32Array.from(xs);
        expect(Array.from(coder.decode(coder.encode(s, alphabet), s.length, alphabet))).toEqual(xs);
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it.each([
    ['empty input', [], 4],
    ['one symbol', [3], 4],
    ['alphabet of size 1', [0, 0, 0, 0, 0], 1],
    ['one repeated symbol', Array(1000).fill(7), 256],
    ['a large alphabet', Array.from({ length: 5000 }, (_, i) => (i * 7919) % 60000), 60000],
  ])('round-trips %s', (_n, xs, alphabet) => {
    const s = Uint32Array.from(xs as number[]);
    expect(Array.from(coder.decode(coder.encode(s, alphabet), s.length, alphabet))).toEqual(xs);
  });
});

describe('entropy-bound coder', () => {
  it('is within 1% (plus its table) of the empirical entropy on skewed data', () => {
    let seed = 1;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const s = Uint32Array.from({ length: 200_000 }, () => (rand() < 0.9 ? 0 : 1 + Math.floor(rand() * 15)));
    const h = entropyBits(s) / 8;
    const bytes = ransCoder.encode(s, 16).length;
    const table = 2 + 16 * 3; // used count, scale byte, <= 16 (gap, freq) varint pairs of <= 3 bytes
    expect(bytes).toBeLessThanOrEqual(h * 1.01 + table + 4);
    // and Huffman cannot go below 1 bit per symbol, which is the point of rANS here
    expect(huffmanCoder.encode(s, 16).length).toBeGreaterThan(s.length / 8);
    expect(bytes).toBeLessThan(s.length / 8);
  });
});

describe('adaptive coder', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const skewed = (n: number, alphabet: number) => Uint32Array.from({ length: n }, () => Math.min(alphabet - 1, Math.floor(-Math.log(1 - rand()) * 1.5)));

  it('stays within the empirical entropy plus half a log2(n) per tree node on long streams', () => {
    const s = skewed(50_000, 16);
    const nodes = 15;
    expect(adaptiveCoder.encode(s, 16).length * 8).toBeLessThanOrEqual(entropyBits(s) * 1.01 + nodes * (0.5 * Math.log2(s.length) + 2) + 16);
  });

  it('beats a coder that sends a table on short streams', () => {
    for (const n of [10, 40, 150]) {
      const s = skewed(n, 17);
      expect(adaptiveCoder.encode(s, 17).length).toBeLessThan(ransCoder.encode(s, 17).length);
    }
  });

  it('never decodes a symbol outside the alphabet, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 2, max: 300 }), (bytes, alphabet) => {
        if (bytes.length === 0) return;
        for (const x of adaptiveCoder.decode(bytes, 200, alphabet)) expect(x).toBeLessThan(alphabet);
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});

describe('registry', () => {
  it('holds the built-in coders and takes a user coder', () => {
    expect(coderIds()).toEqual(expect.arrayContaining(['rans/1', 'huffman/1', 'lz/1', 'adaptive/1', 'brotli/1', 'deflate/1']));
    const identity: Coder = {
      id: 'test-identity/1',
      encode: (s) => new Uint8Array(new Uint32Array(s).buffer),
      decode: (b, n) => new Uint32Array(b.slice().buffer, 0, n),
    };
    registerCoder(identity);
    expect(findCoder('test-identity/1')).toBe(identity);
    expect(() => registerCoder({ ...identity })).toThrow(/already registered/);
  });
});

describe('sparse positions', () => {
  it('round-trips the escape layout (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 16 })), { maxLength: 3000 }), fc.integer({ min: 0, max: 1000 }), (xs, pad) => {
        const codes = Uint8Array.from([...Array(pad).fill(0), ...xs]);
        expect(Array.from(fromEscapeStreams(toEscapeStreams(codes), codes.length))).toEqual(Array.from(codes));
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('bridges long gaps with filler entries in the paper layout', () => {
    const codes = new Uint8Array(100);
    codes[70] = 3;
    const s = toPaperStreams(codes, 5); // max gap 31: two fillers then the entry
    expect(Array.from(s.gaps)).toEqual([31, 31, 6]);
    expect(Array.from(s.codes)).toEqual([0, 0, 3]);
    expect(paperFormatBits(codes, 4, 5)).toBe(3 * 1 + 3 * 1 + 32 * 4);
  });

  it('rejects streams that point outside the tensor', () => {
    expect(() => fromEscapeStreams({ gaps: Uint32Array.from([10]), codes: Uint32Array.from([0]) }, 5)).toThrow(/inside the tensor/);
  });
});
