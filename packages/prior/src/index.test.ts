import { describe, expect, it } from 'vitest';
import * as prior from './index.js';

describe('@softshare/prior exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(prior).sort()).toEqual([
      'GRID_STEP_PER_STD',
      'MAX_GRID_NODES',
      'assignComponents',
      'clampGammas',
      'createPriorWorker',
      'evaluatePrior',
      'evaluatePriorGridded',
      'gammaHyperPrior',
      'initMixture',
      'mostResponsible',
      'pi0Gradient',
      'priorOptionsSchema',
      'proportions',
      'responsibilities',
      'toMixture',
    ]);
  });
});
