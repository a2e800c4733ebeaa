import { basename, dirname, join, resolve } from 'node:path';
import { ensureWritableDir, writeFileAtomic } from '@softshare/backend';
import { coderIds, DEFAULT_CODER_ID, findCoder } from '@softshare/entropy';
import { accountFor } from '../accounting.js';
import { renderReport } from '../report-html.js';
import { reportData } from '../report-data.js';
import { helpText, parseCommand, UsageError, type CommandSpec } from '../args.js';
import type { Io } from '../io.js';
import { evaluationOfFile, pipelineName } from '@softshare/pipeline';
import { formatMetric, metricLabel } from '../metric.js';
import { pipelineConfigOf, pipelineOptions, runPipeline } from '../run-pipeline.js';
import { layersLine, sparsitySummary } from '../summary.js';
import { preprocessingOf } from '@softshare/data';
import { loadTrainingData } from '../load-data.js';
import { budgetLine, budgetSummary, overBudgetError, overBudgetPath } from '../budget.js';

export const compressSpec: CommandSpec = {
  name: 'compress',
  summary: 'The whole pipeline within an accuracy budget: retrain, merge, quantise, tune, entropy-code into a .sws file; reports sizes and errors.',
  usage: 'softshare compress --model <model.json> --data <mnist|folder> --out <file.sws> [--max-error-increase <fraction|off>] [--coder <id>] [--config <json>] [--json]',
  options: {
    ...pipelineOptions,
    out: { type: 'string', required: true, description: 'the .sws file to write' },
    coder: { type: 'string', default: DEFAULT_CODER_ID, description: `entropy coder id: ${coderIds().join(', ')}` },
    report: { type: 'string', default: '<folder of --out>/report.html', description: 'where to write the HTML report' },
    'others-precision': { type: 'string', default: 'float32', description: 'tensors outside the prior (biases): float32 (bit-exact) or float16' },
  },
};

export async function compressCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommand(compressSpec, argv);
  if (values.help) return io.out(helpText(compressSpec)), 0;
  const coder = (values.coder as string | undefined) ?? DEFAULT_CODER_ID;
  const others = (values['others-precision'] as string | undefined) ?? 'float32';
  if (others !== 'float32' && others !== 'float16') throw new UsageError(`Expected --others-precision to be float32 or float16, got '${others}'`);
  const config = await pipelineConfigOf(values); // loads the config's coder modules too
  if (!findCoder(coder)) throw new UsageError(`Expected --coder to be one of ${coderIds().join(', ')}, got '${coder}'`);
  const out = resolve(values.out as string);
  ensureWritableDir(dirname(out)); // fail before retraining, not after
  const dataset = loadTrainingData(values);
  // recorded in the header: eval, and a user loading the file, apply the same to their inputs
  const run = await runPipeline(values, io, (values['checkpoint-dir'] as string | undefined) ?? `${out}.ckpt`, { config, data: dataset, encode: { coder, others, generator: 'softshare 0.1.0', preprocessing: preprocessingOf(dataset.train) } });
  const encoded = run.search.encoded;
  // the test split is reported, once, at the end: for every point the search measured (on validation), so the trade-off is visible
  const tests = await Promise.all(run.search.candidates.map(async (c) => evaluationOfFile(c.encoded.bytes, run.data.test, run.data.task)));
  const testErrors = tests.map((t) => t.error);
  const after = testErrors[run.budget.chosen];
  const metric = run.before.metric;
  const validationAfter = run.budget.points[run.budget.chosen].validationError;
  const budget = budgetSummary(run.budget, testErrors);
  const target = run.budget.held ? out : overBudgetPath(out);
  writeFileAtomic(target, encoded.bytes);
  const sizes = accountFor(run.input, run.quantized, encoded);
  const sparsity = sparsitySummary(run.quantized);
  const testOutputs = run.before.outputs.length > 1 ? run.before.outputs.map((o, k) => ({ name: o.name, metric: o.metric, before: o.value, after: tests[run.budget.chosen].outputs[k].value })) : undefined;
  const result = {
    out,
    coder,
    backend: run.backend.name,
    // the task's metric on the test split: the misclassified share for a classifier, MSE / MAE for regression
    metric,
    error_before: run.errorBefore,
    error_after: after,
    task: run.task,
    ...(testOutputs ? { test_outputs: testOutputs } : {}),
    // what the data was and how it reached the model, so eval and a user loading the file know
    data: { name: run.data.name, example_shape: run.data.train.shape, ...(run.data.train.moreInputs ? { more_inputs: run.data.train.moreInputs.map((a) => ({ example_shape: a.shape, divided_by: a.divisor, ...(a.mean ? { mean: a.mean } : {}), ...(a.std ? { std: a.std } : {}) })) } : {}), divided_by: run.data.train.divisor, ...(run.data.train.mean ? { mean: run.data.train.mean } : {}), ...(run.data.train.std ? { std: run.data.train.std } : {}), ...(run.data.numClasses === undefined ? {} : { classes: run.data.numClasses }) },
    train_examples: run.data.train.count,
    validation_examples: run.data.validation?.count ?? 0,
    validation_error_after: validationAfter,
    budget,
    nonzero_fraction: sparsity.nonzero_fraction,
    ...sizes,
    layers: sparsity.layers,
    pipeline: pipelineName(run.config),
    prior_tensors: run.config.sparsify ? undefined : run.config.retrain.prior.tensors,
    seconds: +run.seconds.toFixed(1),
    history: run.history,
    config: run.config,
    diagnostics: run.quantized.diagnostics,
  };
  writeFileAtomic(`${target}.json`, JSON.stringify({ ...result, out: target }, null, 2) + '\n');
  const data = reportData({
    title: `${basename(values.model as string)} -> ${basename(out)}`,
    backend: run.backend.name,
    input: run.input,
    retrained: run.retrained,
    quantized: run.quantized,
    errorBefore: run.errorBefore,
    errorAfter: after,
    ...(testOutputs ? { outputs: testOutputs } : {}),
    sizes,
    history: run.history,
    budget,
  });
  writeFileAtomic(`${target}.report.json`, JSON.stringify(data) + '\n');
  const reportPath = (values.report as string | undefined) ?? join(dirname(out), 'report.html');
  writeFileAtomic(reportPath, renderReport(data));
  if (!run.budget.held) throw overBudgetError(run.budget, target, sparsity.nonzero_fraction);
  if (values.json) io.out(JSON.stringify({ event: 'result', ...result, budget: { ...budget, points: undefined }, history: undefined, config: undefined, tensors: undefined, diagnostics: undefined }) + '\n');
  else {
    io.out(
      `test ${metricLabel(metric)} ${formatMetric(run.errorBefore, metric)} -> ${formatMetric(after, metric)}  non-zero ${(sparsity.nonzero_fraction * 100).toFixed(2)}%\n` +
        `${budgetLine(run.budget)}\n` +
        `${layersLine(sizes.tensors, new Set(run.retrained?.underPrior ?? run.quantized.quantized.map((q) => q.name)))}\n` +
        `file ${sizes.file_bytes} bytes: file-size ratio ${sizes.file_ratio.toFixed(1)}x (float32 ${sizes.original_bytes} bytes), paper storage-format rate ${sizes.paper_format_ratio.toFixed(1)}x\n` +
        `wrote ${out} (${run.seconds.toFixed(0)} s on ${run.backend.name})\n`,
    );
  }
  return 0;
}
