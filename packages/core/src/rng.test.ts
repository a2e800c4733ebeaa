import { describe, expect, it } from 'vitest';
import { Rng } from './index.js';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Rng(1)));
    const b = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Rng(1)));
    const c = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Rng(2)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('resumes from a saved state', () => {
    const r = new Rng(7);
    r.next();
    const copy = new Rng(r.state);
    expect(copy.next()).toBe(r.next());
  });

  it('draws roughly uniform floats in [0, 1)', () => {
    const r = new Rng(3);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(Math.abs(sum / 10000 - 0.5)).toBeLessThan(0.02);
  });

  it('shuffles into a permutation', () => {
    const a = new Int32Array(100).map((_, i) => i);
    new Rng(5).shuffle(a);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
