import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMask, encodeMask, matrixShape } from './index.js';

describe('context-modelled zero mask', () => {
  it('round-trips random masks of random shapes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (rows, cols, density, seed) => {
        let s = seed >>> 0;
        const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
        const mask = Uint8Array.from({ length: rows * cols }, () => (r() < density ? 1 : 0));
        expect(Array.from(decodeMask(encodeMask(mask, rows, cols), rows, cols))).toEqual(Array.from(mask));
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('codes dead rows and columns in far fewer bits than their count', () => {
    const rows = 784;
    const cols = 300;
    const mask = new Uint8Array(rows * cols);
    let s = 3;
    const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // 40% of inputs and 30% of units dead; 15% density elsewhere
    const deadRow = Array.from({ length: rows }, () => r() < 0.4);
    const deadCol = Array.from({ length: cols }, () => r() < 0.3);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (!deadRow[i] && !deadCol[j] && r() < 0.15) mask[i * cols + j] = 1;
    const bytes = encodeMask(mask, rows, cols);
    expect(Array.from(decodeMask(bytes, rows, cols))).toEqual(Array.from(mask));
    // order-0 entropy of the mask, in bytes
    const p = mask.reduce((a, b) => a + b, 0) / mask.length;
    const h0 = (-(p * Math.log2(p) + (1 - p) * Math.log2(1 - p)) * mask.length) / 8;
    expect(bytes.length).toBeLessThan(0.8 * h0);
  });

  it('does bounded work and never throws on garbage', () => {
    const garbage = Uint8Array.from({ length: 50 }, (_, i) => (i * 97) & 255);
    expect(decodeMask(garbage, 100, 100).length).toBe(10000);
    expect(decodeMask(new Uint8Array(0), 3, 3).length).toBe(9);
  });

  it.each([
    [[784, 300], [784, 300]],
    [[5, 5, 20, 50], [500, 50]],
    [[10], [1, 10]],
  ])('views shape %j as %j', (shape, want) => {
    expect(matrixShape(shape)).toEqual(want);
  });
});
