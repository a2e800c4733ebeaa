import { Rng } from '@softshare/core';
import { describe, expect, it } from 'vitest';
import { shiftBatch } from './augment.js';
import type { Batch } from './batches.js';

/** Three 4x5 images whose pixel values encode (image, row, column). */
function batch(): Batch {
  const x = new Float32Array(3 * 20).map((_, i) => 1 + i);
  return { size: 3, x, xs: [x], ys: [new Float32Array(30)] };
}

describe('shiftBatch', () => {
  it('returns the batch itself for maxShift 0', () => {
    const b = batch();
    expect(shiftBatch(b, 4, 5, 0, new Rng(1))).toBe(b);
  });

  it('translates each image by whole pixels, filling with 0, within maxShift', () => {
    const b = batch();
    const out = shiftBatch(b, 4, 5, 2, new Rng(7));
    let moved = 0;
    for (let k = 0; k < 3; k++) {
      const img = out.x.subarray(k * 20, (k + 1) * 20);
      // find the shift that explains the output: every kept pixel came from (r - dy, c - dx)
      const found: [number, number][] = [];
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
        let ok = true;
        for (let r = 0; r < 4 && ok; r++) for (let c = 0; c < 5 && ok; c++) {
          const sr = r - dy, sc = c - dx;
          const want = sr >= 0 && sr < 4 && sc >= 0 && sc < 5 ? b.x[k * 20 + sr * 5 + sc] : 0;
          ok = img[r * 5 + c] === want;
        }
        if (ok) found.push([dy, dx]);
      }
      expect(found).toHaveLength(1);
      if (found[0][0] !== 0 || found[0][1] !== 0) moved++;
    }
    expect(moved).toBeGreaterThan(0);
    expect(b.x[0]).toBe(1); // the input is not changed
    expect(out.ys).toBe(b.ys);
  });

  it('is deterministic for a given seed', () => {
    const a = shiftBatch(batch(), 4, 5, 1, new Rng(3)).x;
    expect(shiftBatch(batch(), 4, 5, 1, new Rng(3)).x).toEqual(a);
    expect(shiftBatch(batch(), 4, 5, 1, new Rng(4)).x).not.toEqual(a);
  });
});
