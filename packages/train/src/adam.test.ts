import { describe, expect, it } from 'vitest';
import { adamUpdate } from './adam.js';

describe('adamUpdate', () => {
  it('moves each entry by lr x sign(g) on the first step and leaves entries before `from` alone', () => {
    const p = Float64Array.from([1, 1, 1, 1]);
    const m = new Float64Array(4);
    const v = new Float64Array(4);
    adamUpdate(p, [5, -0.5, 2e-3, 0], m, v, 1, 0.01, 1);
    expect(p[0]).toBe(1);
    expect(p[1]).toBeCloseTo(1 + 0.01, 8);
    expect(p[2]).toBeCloseTo(1 - 0.01, 6); // eps 1e-8 against |g| 2e-3
    expect(p[3]).toBe(1);
  });

  it('walks a quadratic to its minimum', () => {
    const p = Float64Array.from([3, -2]);
    const m = new Float64Array(2);
    const v = new Float64Array(2);
    for (let t = 1; t <= 3000; t++) adamUpdate(p, [2 * (p[0] - 1), 2 * (p[1] + 0.5)], m, v, t, 0.01);
    expect(p[0]).toBeCloseTo(1, 3);
    expect(p[1]).toBeCloseTo(-0.5, 3);
  });
});
