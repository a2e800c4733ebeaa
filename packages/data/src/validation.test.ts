import { describe, expect, it } from 'vitest';
import { isSoftshareError } from '@softshare/core';
import { carveValidation, type Dataset } from './index.js';

/** 20 one-value examples whose value is their index, labelled index mod 10. */
const tiny: Dataset = {
  name: 'tiny',
  numClasses: 10,
  train: { count: 20, shape: [1], divisor: 255, inputs: Uint8Array.from({ length: 20 }, (_, i) => i), labels: Uint8Array.from({ length: 20 }, (_, i) => i % 10) },
  test: { count: 2, shape: [1], divisor: 255, inputs: Uint8Array.of(0, 1), labels: Uint8Array.of(0, 1) },
};

describe('carveValidation', () => {
  it('moves a seeded draw of training examples into validation, keeping order and labels, and no example in both', () => {
    const d = carveValidation(tiny, 5, 3);
    expect(d.train.count).toBe(15);
    expect(d.validation!.count).toBe(5);
    const t = Array.from(d.train.inputs);
    const v = Array.from(d.validation!.inputs);
    expect([...t, ...v].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(t).toEqual([...t].sort((a, b) => a - b));
    expect(v).toEqual([...v].sort((a, b) => a - b));
    expect(Array.from(d.validation!.labels!)).toEqual(v.map((i) => i % 10));
    expect(d.test).toBe(tiny.test);
    // seeded: the same seed draws the same split, another seed another one
    expect(Array.from(carveValidation(tiny, 5, 3).validation!.inputs)).toEqual(v);
    expect(Array.from(carveValidation(tiny, 5, 4).validation!.inputs)).not.toEqual(v);
    expect(carveValidation(tiny, 0)).toBe(tiny);
  });

  it('refuses a size that leaves no training data, in one coded line', () => {
    for (const size of [20, -1, 2.5]) {
      let error: unknown;
      try {
        carveValidation(tiny, size);
      } catch (e) {
        error = e;
      }
      expect(isSoftshareError(error, 'E_OPTIONS') && error.message).toBe(`Expected a validation size from 0 to 19 (the training split has 20 examples), got ${size}`);
    }
  });
});
