import { describe, expect, it } from 'vitest';
import * as t from './index.js';
import { scheduleFactor } from './index.js';

describe('@softshare/train exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(t).sort()).toEqual(['ADAM', 'adamUpdate', 'runEpochs', 'scheduleFactor', 'yieldToEventLoop']);
  });
});

describe('scheduleFactor', () => {
  it.each([
    ['constant', 5, 2, 10, 1],
    ['cosine', 1, 2, 10, 1],
    ['cosine', 2, 2, 10, 1],
    ['cosine', 6, 2, 10, 0.5],
    ['cosine', 10, 2, 10, 0],
  ] as const)('%s at step %d (warm-up %d of %d steps) is %d', (schedule, step, warmup, total, want) => {
    expect(scheduleFactor(schedule, step, warmup, total)).toBeCloseTo(want, 12);
  });
});
