import { describe, expect, it } from 'vitest';
import { progressBar } from './progress-bar.js';

describe('progressBar', () => {
  it('draws the step bar with an ETA and throttles redraws', () => {
    const bar = progressBar({ stage: 'retrain', epochs: 2 }, 0);
    expect(bar({ stage: 'retrain', unit: 'step', current: 1, total: 4 }, 1000)).toMatch(/^\rretrain epoch 1\/2 \[######\.{18}\] step 1\/4 ETA 0m07s/);
    expect(bar({ stage: 'retrain', unit: 'step', current: 2, total: 4 }, 1050)).toBe('');
    expect(bar({ stage: 'retrain', unit: 'epoch', current: 1, total: 2 })).toBe('');
    expect(bar({ stage: 'retrain', unit: 'step', current: 4, total: 4 }, 5000)).toMatch(/epoch 2\/2 \[#{24}\] step 4\/4/);
  });

  it('labels the steps of a later stage with its name, without a retraining ETA', () => {
    const bar = progressBar({ stage: 'retrain', epochs: 2 }, 0);
    expect(bar({ stage: 'tune', unit: 'step', current: 2, total: 4 }, 1000)).toBe(`\rtune [${'#'.repeat(12)}${'.'.repeat(12)}] step 2/4   `);
  });

  it('counts the ETA over the epochs of the stage it is given (sparsify), not retrain', () => {
    const bar = progressBar({ stage: 'sparsify', epochs: 3 }, 0);
    // 1 step in 1 s; 3 + 4 + 4 steps left
    expect(bar({ stage: 'sparsify', unit: 'step', current: 1, total: 4 }, 1000)).toMatch(/^\rsparsify epoch 1\/3 \[#{6}\.{18}\] step 1\/4 ETA 0m11s/);
    expect(bar({ stage: 'sparsify', unit: 'epoch', current: 1, total: 3 })).toBe('');
    expect(bar({ stage: 'sparsify', unit: 'step', current: 1, total: 4 }, 2000)).toMatch(/epoch 2\/3 .* ETA 0m07s/);
    expect(bar({ stage: 'retrain', unit: 'step', current: 1, total: 4 }, 3000)).toMatch(/^\rretrain \[/);
  });
});
