import { describe, expect, it } from 'vitest';
import * as r from './index.js';

describe('@softshare/retrain exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(r).sort()).toEqual([
      'ADAM',
      'adamUpdate',
      'cancellableStage',
      'decodeTrainingState',
      'encodeTrainingState',
      'fitCodebook',
      'loadCheckpoint',
      'maskSearchOptionsSchema',
      'nearestNonZeroCode',
      'retrain',
      'retrainOptionsSchema',
      'runMaskSearch',
      'runRetraining',
      'runSharedTuning',
      'saveCheckpoint',
      'scheduleFactor',
      'tune',
      'tuneOptionsSchema',
    ]);
  });
});
