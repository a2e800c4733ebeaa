import { describe, expect, it } from 'vitest';
import { isSoftshareError } from '@softshare/core';
import { carveValidation, type ImageDataset } from './index.js';

/** 20 one-pixel images whose pixel is their index, labelled index mod 10. */
const tiny: ImageDataset = {
  name: 'tiny',
  numClasses: 10,
  train: { count: 20, height: 1, width: 1, images: Uint8Array.from({ length: 20 }, (_, i) => i), labels: Uint8Array.from({ length: 20 }, (_, i) => i % 10) },
  test: { count: 2, height: 1, width: 1, images: Uint8Array.of(0, 1), labels: Uint8Array.of(0, 1) },
};

describe('carveValidation', () => {
  it('moves a seeded draw of training examples into validation, keeping order and labels, and no example in both', () => {
    const d = carveValidation(tiny, 5, 3);
    expect(d.train.count).toBe(15);
    expect(d.validation!.count).toBe(5);
    const t = Array.from(d.train.images);
    const v = Array.from(d.validation!.images);
    expect([...t, ...v].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(t).toEqual([...t].sort((a, b) => a - b));
    expect(v).toEqual([...v].sort((a, b) => a - b));
    expect(Array.from(d.validation!.labels)).toEqual(v.map((i) => i % 10));
    expect(d.test).toBe(tiny.test);
    // seeded: the same seed draws the same split, another seed another one
    expect(Array.from(carveValidation(tiny, 5, 3).validation!.images)).toEqual(v);
    expect(Array.from(carveValidation(tiny, 5, 4).validation!.images)).not.toEqual(v);
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
