import { describe, expect, it } from 'vitest';
import * as r from './index.js';

describe('@softshare/retrain exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(r).sort()).toEqual([
      'decodeTrainingState',
      'encodeTrainingState',
      'loadCheckpoint',
      'resumeMismatch',
      'retrain',
      'retrainOptionsSchema',
      'runRetraining',
      'saveCheckpoint',
    ]);
  });
});
