import { join } from 'node:path';
import { ensureWritableDir, writeFileAtomic } from '@softshare/backend';
import { formatMetric, metricLabel } from '../metric.js';
import { saveModel } from '../save-model.js';
import { evaluate, fromModelData } from '@softshare/models';
import { helpText, parseCommand, type CommandSpec } from '../args.js';
import type { Io } from '../io.js';
import { pipelineName } from '@softshare/pipeline';
import { pipelineOptions, runPipeline, tf } from '../run-pipeline.js';
import { sparsitySummary } from '../summary.js';
import { budgetLine, budgetSummary, overBudgetError } from '../budget.js';

export const retrainSpec: CommandSpec = {
  name: 'retrain',
  summary: 'Retrain under the mixture prior, merge, quantise; writes the quantised model.json + weights.bin + summary.json.',
  usage: 'softshare retrain --model <model.json> --data <mnist|folder> --out <dir> [--config <json>] [--resume <checkpoint>]',
  options: { ...pipelineOptions, out: { type: 'string', required: true, description: 'output directory' } },
};

export async function retrainCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand(retrainSpec, argv);
  if (values.help) return io.out(helpText(retrainSpec)), 0;
  const out = values.out as string;
  ensureWritableDir(out); // fail before retraining, not after
  const run = await runPipeline(values, io, (values['checkpoint-dir'] as string | undefined) ?? out);
  const result = await fromModelData(run.quantized);
  const after = evaluate(result, run.data.test, { task: run.data.task }).error;
  const metric = run.before.metric;
  // a result over the accuracy budget is kept beside --out, never at it
  const target = run.budget.held ? out : `${out.replace(/\/+$/, '')}.over-budget`;
  if (target !== out) ensureWritableDir(target);
  await saveModel(result, target, run.data.task === undefined ? undefined : run.task);
  result.dispose();
  const sparsity = sparsitySummary(run.quantized);
  const summary = {
    model: values.model,
    out: target,
    backend: run.backend.name,
    tfjs: tf.version.tfjs,
    metric,
    error_before: run.errorBefore,
    error_after: after,
    task: run.task,
    // what the data was and how it reached the model, so eval and a user loading the file know
    data: { name: run.data.name, example_shape: run.data.train.shape, divided_by: run.data.train.divisor, ...(run.data.train.mean ? { mean: run.data.train.mean } : {}), ...(run.data.train.std ? { std: run.data.train.std } : {}), ...(run.data.numClasses === undefined ? {} : { classes: run.data.numClasses }) },
    train_examples: run.data.train.count,
    validation_examples: run.data.validation?.count ?? 0,
    validation_error_after: run.budget.points[run.budget.chosen].validationError,
    budget: budgetSummary(run.budget, run.budget.points.map((_, k) => (k === run.budget.chosen ? after : NaN))),
    nonzero_fraction: sparsity.nonzero_fraction,
    weights_under_prior: sparsity.weights,
    layers: sparsity.layers,
    components_after_merge: run.quantized.mixture?.means.length,
    pipeline: pipelineName(run.config),
    prior_tensors: run.config.sparsify ? undefined : run.config.retrain.prior.tensors,
    seconds: +run.seconds.toFixed(1),
    config: run.config,
    history: run.history,
    diagnostics: run.quantized.diagnostics,
  };
  writeFileAtomic(join(target, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  if (!run.budget.held) throw overBudgetError(run.budget, target, sparsity.nonzero_fraction);
  if (values.json) io.out(JSON.stringify({ event: 'result', ...summary, budget: { ...summary.budget, points: undefined }, history: undefined, config: undefined, diagnostics: undefined }) + '\n');
  else io.out(`${budgetLine(run.budget)}\ntest ${metricLabel(metric)} ${formatMetric(run.errorBefore, metric)} -> ${formatMetric(after, metric)}, non-zero ${(sparsity.nonzero_fraction * 100).toFixed(2)}% of ${sparsity.weights} weights (${run.config.sparsify ? 'sparsify' : `${run.config.retrain.prior.tensors} under the prior`}), ${run.seconds.toFixed(0)} s on ${run.backend.name}; wrote ${out}\n`);
  return 0;
}
