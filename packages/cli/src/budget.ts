import { SoftshareError } from '@softshare/core';
import type { BudgetOutcome } from '@softshare/pipeline';
import { formatMetric, metricLabel } from './metric.js';

/** The budget's increase as the console says it: points of error, or a share of the metric. */
function increase(b: BudgetOutcome): string {
  if (b.metric === 'error') return formatMetric(b.maxErrorIncrease ?? 0);
  return `${+((b.maxLossIncrease ?? 0) * 100).toPrecision(3)}%`;
}

/** Whether the (first) output's budget is checked at all. */
function checked(b: BudgetOutcome): boolean {
  return (b.metric === 'error' ? b.maxErrorIncrease : b.maxLossIncrease) !== null;
}

/** Where a result over the budget goes instead of --out: `x.sws` -> `x.over-budget.sws`. */
export function overBudgetPath(out: string): string {
  return out.endsWith('.sws') ? `${out.slice(0, -4)}.over-budget.sws` : `${out}.over-budget.sws`;
}

/** The budget and every point the search measured, for the summary JSON and the report (test errors measured at the end, never used to choose). */
export function budgetSummary(b: BudgetOutcome, testErrors: readonly number[]) {
  return {
    metric: b.metric,
    max_error_increase: b.maxErrorIncrease,
    max_loss_increase: b.maxLossIncrease,
    reference_validation_error: b.referenceError,
    ...(b.outputs ? { outputs: b.outputs.map((o) => ({ name: o.name, metric: o.metric, reference_validation: o.reference, limit: Number.isFinite(o.limit) ? o.limit : null })) } : {}),
    limit: Number.isFinite(b.limit) ? b.limit : null,
    held: b.held,
    chosen: b.chosen,
    points: b.points.map((p, k) => ({
      tau: p.tau,
      pi0: p.pi0,
      retrain_epochs: p.retrainEpochs,
      rule: p.rule,
      pruned: p.pruned,
      ...(p.tolerance === undefined ? {} : { finer_values_tolerance: p.tolerance, finer_values_tuned: p.tuned === true }),
      float_validation_error: p.floatValidationError,
      validation_error: p.validationError,
      ...(p.validationOutputs ? { validation_outputs: p.validationOutputs } : {}),
      test_error: testErrors[k],
      nonzero_fraction: p.nonzeroFraction,
      file_bytes: p.fileBytes,
      file_ratio: p.fileRatio,
      within_budget: p.withinBudget,
      ...(p.storage ? { storage: { from_bytes: p.storage.fromBytes, tensors: p.storage.tensors, float16: p.storage.float16, digits: p.storage.digits } } : {}),
    })),
  };
}
export type BudgetSummary = ReturnType<typeof budgetSummary>;

/** One line: the chosen point's validation error against the budget, and how many points the search tried. */
export function budgetLine(b: BudgetOutcome): string {
  const p = b.points[b.chosen];
  const tried = `${b.points.length} point${b.points.length === 1 ? '' : 's'} tried`;
  const m = b.metric;
  const more = b.outputs ? `; every output: ${b.outputs.map((o, k) => `${o.name} ${metricLabel(o.metric)} ${formatMetric(p.validationOutputs?.[k] ?? NaN, o.metric)} (limit ${formatMetric(o.limit, o.metric)})`).join(', ')}` : '';
  if (!checked(b) && !b.outputs) return `validation ${metricLabel(m)} ${formatMetric(p.validationError, m)} (budget off; ${tried})${storageText(p)}`;
  return `validation ${metricLabel(m)} ${formatMetric(b.referenceError, m)} -> ${formatMetric(p.validationError, m)}, budget ${formatMetric(b.limit, m)} (+${increase(b)})${more}: ${b.held ? 'held' : 'BROKEN'} (${tried}${p.tau === undefined ? '' : `, chose tau ${+p.tau.toPrecision(3)}${p.pi0 !== undefined && p.pi0 !== b.points[0].pi0 ? ` pi0 ${+p.pi0.toPrecision(3)}` : ''}${p.rule === 'ml' ? ' rule ml' : ''}${p.pruned ? ' pruned and recovered' : ''}${finerText(p)}`}${p.tau === undefined && p.tolerance !== undefined ? `, chose the pretrained weights${finerText(p)}` : ''})${storageText(p)}`;
}

/** How the finer-values fallback made a point ('' for the prior's own files). */
function finerText(p: BudgetOutcome['points'][number]): string {
  return p.tolerance === undefined ? '' : `${p.tau === undefined ? '' : ', then'} on per-tensor shared values at tolerance ${+p.tolerance.toPrecision(3)}${p.tuned ? ', tuned' : ''} (no file of the prior's kept the budget)`;
}

/** What the storage step did to the chosen file, as the end of the budget line ('' when it made no point). */
function storageText(p: BudgetOutcome['points'][number]): string {
  const s = p.storage;
  if (!s) return '';
  const parts = [...(s.tensors.length > 0 ? [`${s.tensors.map((t) => `${t.name} on ${t.values}`).join(', ')} shared values`] : []), ...(s.float16.length > 0 ? [`${s.float16.join(', ')} in float16`] : []), ...(s.digits === null ? [] : [`shared values to ${s.digits} digits`])];
  return `; then ${parts.join(', ')} (${s.fromBytes} -> ${p.fileBytes} B, no validation error more)`;
}

/** The error a command raises when no point kept the budget: one line naming where the best attempt was kept (exit code 3). */
export function overBudgetError(b: BudgetOutcome, keptAt: string, nonzeroFraction: number): SoftshareError {
  const p = b.points[b.chosen];
  const zeroed = nonzeroFraction === 0 ? '; every weight is zero: the retraining was too short to converge or tau too strong (more --epochs, a lower --tau)' : '';
  return new SoftshareError(
    'E_BUDGET',
    'cli',
    `No attempt kept the validation ${metricLabel(b.metric)} within the budget (${formatMetric(b.referenceError, b.metric)} + ${increase(b)} = ${formatMetric(b.limit, b.metric)}${b.outputs ? ' and every other output within its own' : ''}; best of ${b.points.length}: ${formatMetric(p.validationError, b.metric)} at ${p.fileRatio.toFixed(1)}x)${zeroed}; nothing written at --out, the best attempt is at ${keptAt}`,
  );
}
