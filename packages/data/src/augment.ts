import type { Rng } from '@softshare/core';
import type { Batch } from './batches.js';

/**
 * A copy of a batch with every image translated by a whole number of pixels, dx and dy
 * drawn uniformly from -maxShift..maxShift per image; pixels shifted in from outside are
 * 0. Labels, and a model's further inputs, are unchanged. maxShift 0 returns the batch itself.
 */
export function shiftBatch(batch: Batch, height: number, width: number, maxShift: number, rng: Rng): Batch {
  if (maxShift === 0) return batch;
  const px = height * width;
  const x = new Float32Array(batch.x.length);
  for (let b = 0; b < batch.size; b++) {
    const dx = rng.int(2 * maxShift + 1) - maxShift;
    const dy = rng.int(2 * maxShift + 1) - maxShift;
    const src = batch.x.subarray(b * px, (b + 1) * px);
    const dst = x.subarray(b * px, (b + 1) * px);
    for (let r = Math.max(0, dy); r < Math.min(height, height + dy); r++) {
      for (let c = Math.max(0, dx); c < Math.min(width, width + dx); c++) dst[r * width + c] = src[(r - dy) * width + (c - dx)];
    }
  }
  return { ...batch, x, xs: [x, ...batch.xs.slice(1)] };
}
