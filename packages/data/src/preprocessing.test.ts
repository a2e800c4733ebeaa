import { describe, expect, it } from 'vitest';
import { errorLine } from '@softshare/core';
import { carveValidation, makeBatch, preprocessingOf, withPreprocessing, type Dataset, type DataSplit } from './index.js';

// two 1x2 RGB examples, uint8
const split: DataSplit = { count: 2, shape: [1, 2, 3], inputs: Uint8Array.from([0, 51, 102, 153, 204, 255, 255, 0, 51, 102, 153, 204]), divisor: 255, labels: Uint8Array.from([0, 1]) };
const data: Dataset = { name: 'rgb', train: split, test: split, numClasses: 2 };

describe('withPreprocessing', () => {
  it('divides, then subtracts the mean and divides by the std of each channel (the last axis), in every split', () => {
    const d = withPreprocessing(data, { mean: [0.5, 0.4, 0.3], std: [0.5, 0.25, 0.1] });
    const b = makeBatch(d.train, [0, 1], 2);
    const expected = Array.from(split.inputs, (v, i) => (v / 255 - [0.5, 0.4, 0.3][i % 3]) / [0.5, 0.25, 0.1][i % 3]);
    Array.from(b.x).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5));
    expect(preprocessingOf(d.test)).toEqual({ divisor: 255, mean: [0.5, 0.4, 0.3], std: [0.5, 0.25, 0.1] });
    // a carved validation split keeps it
    expect(preprocessingOf(carveValidation(d, 1).validation!)).toEqual(preprocessingOf(d.train));
    // one value for every input; a divisor of the user's
    const one = makeBatch(withPreprocessing(data, { divisor: 1, mean: [100], std: [50] }).train, [0], 2);
    expect(Array.from(one.x.subarray(0, 3))).toEqual([-2, (51 - 100) / 50, (102 - 100) / 50].map((v) => Math.fround(v)));
    // without any, the batch is input / divisor as before
    expect(makeBatch(split, [0], 2).x[1]).toBeCloseTo(0.2, 6);
    expect(preprocessingOf(split)).toEqual({ divisor: 255 });
  });

  it('refuses a mean or std that fits neither one value nor the channels, a std <= 0, or a divisor <= 0, in one coded line', () => {
    expect(errorLine(() => withPreprocessing(data, { mean: [0.5, 0.5] }))).toBe('E_OPTIONS: preprocessing: expected mean to have 1 value or one per channel (3, the last axis of [1, 2, 3]), got 2');
    expect(errorLine(() => withPreprocessing(data, { std: [1, 0, 1] }))).toBe('E_OPTIONS: preprocessing: expected every std value to be a positive number, got 0');
    expect(errorLine(() => withPreprocessing(data, { divisor: 0 }))).toBe('E_OPTIONS: preprocessing: expected the divisor to be a positive number, got 0');
  });
});
