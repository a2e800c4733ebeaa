import { describe, expect, it } from 'vitest';
import { Rng } from '@softshare/core';
import { lloydWithZero, optimalCentres } from './kmeans.js';

/** Brute force: the best squared error over every split of sorted values into k runs. */
function bruteForce(sorted: number[], k: number): number {
  const n = sorted.length;
  const runCost = (a: number, b: number) => {
    const xs = sorted.slice(a, b);
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    return xs.reduce((s, x) => s + (x - m) ** 2, 0);
  };
  const best = (start: number, left: number): number => {
    if (left === 1) return runCost(start, n);
    let b = Infinity;
    for (let e = start + 1; e <= n - left + 1; e++) b = Math.min(b, runCost(start, e) + best(e, left - 1));
    return b;
  };
  return best(0, k);
}

function costOf(values: number[], centres: ArrayLike<number>): number {
  return values.reduce((s, x) => s + Math.min(...Array.from(centres, (c) => (x - c) ** 2)), 0);
}

describe('optimalCentres', () => {
  it('finds the optimum of brute force on small random sets, for every k', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 3 + Math.floor(rng.next() * 9);
      const xs = Array.from({ length: n }, () => Math.fround(rng.next() * 4 - 2));
      const sorted = [...xs].sort((a, b) => a - b);
      const all = optimalCentres(Float32Array.from(xs), 5);
      for (let k = 1; k <= Math.min(5, n); k++) {
        expect(all[k - 1]).toHaveLength(k);
        expect(costOf(sorted, all[k - 1])).toBeCloseTo(bruteForce(sorted, k), 6);
      }
    }
  });

  it('stops at the number of distinct values and keeps them exactly', () => {
    const all = optimalCentres(Float32Array.of(3, 1, 3, 1, 2), 8);
    expect(all).toHaveLength(3);
    expect(Array.from(all[2])).toEqual([1, 2, 3]);
  });

  it('groups a large tensor into bins and stays within 1% of the unbinned optimum', () => {
    const rng = new Rng(3);
    const xs = Float32Array.from({ length: 20000 }, () => (rng.next() + rng.next() + rng.next() - 1.5) * 0.1);
    const exact = optimalCentres(xs, 8, 1e9)[7];
    const binned = optimalCentres(xs, 8, 256)[7];
    const v = Array.from(xs);
    expect(costOf(v, binned)).toBeLessThan(costOf(v, exact) * 1.01);
  });
});

describe('lloydWithZero', () => {
  it('keeps 0 in the codebook, makes values nearest 0 exact zeros and never raises the error', () => {
    const w = Float32Array.of(-1, -0.9, 0.01, -0.02, 0.95, 1.05, 0);
    const centres = optimalCentres(w, 2)[1];
    const fit = lloydWithZero(w, Uint8Array.from(w, () => 1), centres);
    expect(fit.codebook[0]).toBe(0);
    expect(Array.from(fit.codebook).slice(1)).toEqual([Math.fround(-0.95), Math.fround(1)]);
    expect(Array.from(fit.codes)).toEqual([1, 1, 0, 0, 2, 2, 0]);
    expect(fit.squaredError).toBeLessThanOrEqual(costOf(Array.from(w), centres) + 1e-9);
  });

  it('leaves values that are not live at 0 and drops unused entries', () => {
    const w = Float32Array.of(0.5, 0.6, 3);
    const fit = lloydWithZero(w, Uint8Array.of(1, 1, 0), [0.55, 3]);
    expect(Array.from(fit.codes)).toEqual([1, 1, 0]);
    expect(fit.codebook).toHaveLength(2);
    expect(fit.squaredError).toBeCloseTo(9 + 2 * 0.05 ** 2, 5);
  });
});
