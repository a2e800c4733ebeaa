import { describe, expect, it } from 'vitest';
import { compactCodebook, dequantize, fitCodebook, nearestNonZeroCode } from './index.js';

describe('codebook helpers', () => {
  const q = { name: 'w', shape: [5], codebook: Float32Array.of(0, -0.5, 0.25, 0.75), codes: Uint8Array.of(1, 0, 3, 3, 2) };

  it('dequantize reads each code through the codebook', () => {
    expect(Array.from(dequantize(q))).toEqual([-0.5, 0, 0.75, 0.75, 0.25]);
  });

  it('compactCodebook zeroes codes whose value became 0 and drops the entries no weight uses', () => {
    const c = compactCodebook(q, Float32Array.of(-0.5, 0, 0.75, 0.75, 0));
    expect(Array.from(c.codebook)).toEqual([0, -0.5, 0.75]);
    expect(Array.from(c.codes)).toEqual([1, 0, 2, 2, 0]);
    expect(Array.from(dequantize(c))).toEqual([-0.5, 0, 0.75, 0.75, 0]);
  });

  it('nearestNonZeroCode never answers 0 and breaks ties to the lower index', () => {
    expect(nearestNonZeroCode(q.codebook, 0)).toBe(2);
    expect(nearestNonZeroCode(Float32Array.of(0, -1, 1), 0)).toBe(1);
    expect(nearestNonZeroCode(q.codebook, -9)).toBe(1);
  });

  it('fitCodebook moves each non-zero entry to the mean of its weights and keeps 0 and dead weights at 0', () => {
    const codebook = Float32Array.of(0, -0.1, 0.1);
    const { codes, codebook: fitted } = fitCodebook([-0.2, -0.4, 0.3, 0.5, 7], Uint8Array.of(1, 1, 1, 1, 0), codebook, 10);
    expect(Array.from(codes)).toEqual([1, 1, 2, 2, 0]);
    expect(Array.from(fitted)).toEqual([0, Math.fround(-0.3), Math.fround(0.4)]);
    const once = fitCodebook([-0.2, 0.3], Uint8Array.of(1, 1), Float32Array.of(0, -0.1, 0.1), 0);
    expect(Array.from(once.codebook)).toEqual([0, Math.fround(-0.1), Math.fround(0.1)]);
  });
});
