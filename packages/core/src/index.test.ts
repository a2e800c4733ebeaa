import { describe, expect, it } from 'vitest';
import * as core from './index.js';

describe('@softshare/core exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(core).sort()).toEqual([
      'Rng',
      'SoftshareError',
      'cancellableStage',
      'closeOrMessage',
      'compactCodebook',
      'concatBytes',
      'countParams',
      'createProgressChannel',
      'defineStage',
      'defineTrainingStage',
      'dequantize',
      'errorLine',
      'fitCodebook',
      'formatFigures',
      'formatOptionsError',
      'fromFloat16Bytes',
      'isSoftshareError',
      'leakedTensors',
      'nearestNonZeroCode',
      'paramRole',
      'parseOptions',
      'roundToDigits',
      'silentProgress',
      'sizeOf',
      'toFloat16Bytes',
      'weightTensors',
    ]);
  });
});
