import { describe, expect, it } from 'vitest';
import type { BudgetOutcome } from '@softshare/pipeline';
import { budgetLine, budgetSummary } from './budget.js';

const base = { metric: 'error', referenceError: 0.0464, maxErrorIncrease: 0.005, maxLossIncrease: 0.05, limit: 0.0514, held: true } as const;
const point = { validationError: 0.0468, nonzeroFraction: 0.98, fileBytes: 6138, fileRatio: 2.8, withinBudget: true };

describe('budgetLine', () => {
  it('says when the finer-values fallback made the chosen file, from a retrained model or from the pretrained one', () => {
    const retrained: BudgetOutcome = { ...base, chosen: 1, points: [{ ...point, tau: 0.03, pi0: 0.999, rule: 'map', validationError: 0.0564, withinBudget: false }, { ...point, tau: 0.03, pi0: 0.5, tolerance: 0.000763, tuned: true }] };
    expect(budgetLine(retrained)).toBe('validation error 4.64% -> 4.68%, budget 5.14% (+0.50%): held (2 points tried, chose tau 0.03 pi0 0.5, then on per-tensor shared values at tolerance 0.000763, tuned (no file of the prior\'s kept the budget))');
    const pretrained: BudgetOutcome = { ...base, chosen: 1, points: [{ ...point, tau: 0.03, rule: 'map', validationError: 0.0564, withinBudget: false }, { ...point, tolerance: 0.0001 }] };
    expect(budgetLine(pretrained)).toBe('validation error 4.64% -> 4.68%, budget 5.14% (+0.50%): held (2 points tried, chose the pretrained weights on per-tensor shared values at tolerance 0.0001 (no file of the prior\'s kept the budget))');
    // the summary JSON names the tolerance and whether the file was tuned; the prior's points carry neither
    const s = budgetSummary(retrained, [0.055, 0.045]);
    expect(s.points.map((p) => ['finer_values_tolerance' in p ? p.finer_values_tolerance : null, 'finer_values_tuned' in p ? p.finer_values_tuned : null])).toEqual([[null, null], [0.000763, true]]);
  });
});
