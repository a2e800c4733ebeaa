import { SoftshareError } from '@softshare/core';
import type { BudgetOutcome } from '@softshare/pipeline';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Where a result over the budget goes instead of --out: `x.sws` -> `x.over-budget.sws`. */
export function overBudgetPath(out: string): string {
  return out.endsWith('.sws') ? `${out.slice(0, -4)}.over-budget.sws` : `${out}.over-budget.sws`;
}

/** The budget and every point the search measured, for the summary JSON and the report (test errors measured at the end, never used to choose). */
export function budgetSummary(b: BudgetOutcome, testErrors: readonly number[]) {
  return {
    max_error_increase: b.maxErrorIncrease,
    reference_validation_error: b.referenceError,
    limit: Number.isFinite(b.limit) ? b.limit : null,
    held: b.held,
    chosen: b.chosen,
    points: b.points.map((p, k) => ({
      tau: p.tau,
      pi0: p.pi0,
      retrain_epochs: p.retrainEpochs,
      rule: p.rule,
      pruned: p.pruned,
      float_validation_error: p.floatValidationError,
      validation_error: p.validationError,
      test_error: testErrors[k],
      nonzero_fraction: p.nonzeroFraction,
      file_bytes: p.fileBytes,
      file_ratio: p.fileRatio,
      within_budget: p.withinBudget,
    })),
  };
}
export type BudgetSummary = ReturnType<typeof budgetSummary>;

/** One line: the chosen point's validation error against the budget, and how many points the search tried. */
export function budgetLine(b: BudgetOutcome): string {
  const p = b.points[b.chosen];
  const tried = `${b.points.length} point${b.points.length === 1 ? '' : 's'} tried`;
  if (b.maxErrorIncrease === null) return `validation error ${pct(p.validationError)} (budget off; ${tried})`;
  return `validation error ${pct(b.referenceError)} -> ${pct(p.validationError)}, budget ${pct(b.limit)} (+${pct(b.maxErrorIncrease)}): ${b.held ? 'held' : 'BROKEN'} (${tried}${p.tau === undefined ? '' : `, chose tau ${+p.tau.toPrecision(3)}${p.pi0 !== undefined && p.pi0 !== b.points[0].pi0 ? ` pi0 ${+p.pi0.toPrecision(3)}` : ''}${p.rule === 'ml' ? ' rule ml' : ''}${p.pruned ? ' pruned and recovered' : ''}`})`;
}

/** The error a command raises when no point kept the budget: one line naming where the best attempt was kept (exit code 3). */
export function overBudgetError(b: BudgetOutcome, keptAt: string, nonzeroFraction: number): SoftshareError {
  const p = b.points[b.chosen];
  const zeroed = nonzeroFraction === 0 ? '; every weight is zero: the retraining was too short to converge or tau too strong (more --epochs, a lower --tau)' : '';
  return new SoftshareError(
    'E_BUDGET',
    'cli',
    `No attempt kept the validation error within the budget (${pct(b.referenceError)} + ${pct(b.maxErrorIncrease ?? 0)} = ${pct(b.limit)}; best of ${b.points.length}: ${pct(p.validationError)} at ${p.fileRatio.toFixed(1)}x)${zeroed}; nothing written at --out, the best attempt is at ${keptAt}`,
  );
}
