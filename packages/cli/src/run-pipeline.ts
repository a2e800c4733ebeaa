import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { of } from 'rxjs';
import { selectBackend, type BackendChoice } from '@softshare/backend';
import { createProgressChannel, formatFigures, SoftshareError, type Figure, type PretrainedModel, type QuantizedModel, type RetrainedModel } from '@softshare/core';
import { formatMetric, metricLabel } from './metric.js';
import type { Dataset } from '@softshare/data';
import { evaluate, toModelData, type Evaluation } from '@softshare/models';
import { loadCheckpoint, saveCheckpoint } from '@softshare/retrain';
import { intFlag, UsageError, type CommandSpec } from './args.js';
import type { Io } from './io.js';
import { loadModelFile } from './load-model.js';
import { compressWithinBudget, pipelineStages, type BudgetOutcome, type BudgetedCompression, type PipelineConfig } from '@softshare/pipeline';
import type { EncodeSwsOptions } from '@softshare/format';
import { loadPipelineConfig } from './load-config.js';
import { dataOptions, loadTrainingData } from './load-data.js';
import { progressBar } from './progress-bar.js';
import { taskOptions, taskSummary, withTask } from './task-flags.js';

/** Flags shared by `retrain` and `compress`. */
export const pipelineOptions: CommandSpec['options'] = {
  model: { type: 'string', required: true, description: 'pretrained tfjs layers model.json' },
  ...dataOptions,
  ...taskOptions,
  config: { type: 'string', default: 'the stages’ defaults', description: 'JSON file: { retrain: {...}, merge: {...}, quantize: {...}, prune: {...}, tune: {...} }, or { sparsify: {...}, tune: {...} } for sparsify -> tune; "coderModules": [files] loads coders like --coder-module' },
  resume: { type: 'string', description: 'continue from a checkpoint.json written by an earlier run' },
  'checkpoint-dir': { type: 'string', default: 'the output directory (retrain) or <out>.ckpt/ (compress)', description: 'where checkpoint.json/.bin go after each epoch' },
  epochs: { type: 'string', default: 'config, else 30', description: 'override retrain.epochs' },
  'max-error-increase': { type: 'string', default: 'config, else 0.005', description: 'accuracy budget: allowed rise of the validation error over the pretrained model\'s, absolute (0.005 = half a point), or off; a result over it is not written at --out (exit 3)' },
  'max-loss-increase': { type: 'string', default: 'config, else 0.05', description: 'accuracy budget for MSE, MAE and other metrics: allowed rise over the pretrained model\'s, as a share of it (0.05 = 5%), or off' },
  'search-steps': { type: 'string', default: 'config, else 2', description: 'further tau points the budget search tries after the configured tau (0: none)' },
  tau: { type: 'string', default: 'config, else 0.03', description: 'override retrain.tau' },
  backend: { type: 'string', default: 'auto: node, else wasm, else cpu', description: 'tfjs backend: node, wasm or cpu' },
  json: { type: 'boolean', description: 'print JSON lines (one per epoch of every training stage, then one result line)' },
  quiet: { type: 'boolean', description: 'print only the result' },
};

export interface PipelineRun {
  readonly backend: BackendChoice;
  readonly data: Dataset;
  readonly config: PipelineConfig;
  readonly input: PretrainedModel;
  readonly quantized: QuantizedModel;
  /** The chosen model's file, every point the search measured, and whether the budget held. */
  readonly search: BudgetedCompression;
  readonly budget: BudgetOutcome;
  /** The retrained model before merging (absent when the config's `sparsify` section replaced the retraining). */
  readonly retrained?: RetrainedModel;
  /** The pretrained model's test metric (the first output's), and every output's. */
  readonly errorBefore: number;
  readonly before: Evaluation;
  /** Each output's loss, metric and weight, for the summary. */
  readonly task: readonly { readonly output: string; readonly loss: string; readonly metric: string; readonly weight: number }[];
  readonly seconds: number;
  readonly history: Record<string, number>[];
}

/** The pipeline config the flags ask for: --config (loading its coder modules) with --epochs and --tau over its retrain section. */
export async function pipelineConfigOf(values: Record<string, string | boolean | undefined>): Promise<PipelineConfig> {
  const overrides: Record<string, unknown> = {};
  if (values.epochs !== undefined) overrides.epochs = intFlag('epochs', values.epochs, 30);
  if (values.tau !== undefined) overrides.tau = Number(values.tau);
  const config = await loadPipelineConfig(values.config as string | undefined, overrides);
  const budget = { ...config.budget };
  const inc = values['max-error-increase'];
  if (inc !== undefined) {
    const n = Number(inc);
    if (inc === 'off') budget.maxErrorIncrease = null;
    else if (typeof inc !== 'string' || inc.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`Expected --max-error-increase to be a fraction between 0 and 1 (0.005 = half a point) or off, got '${String(inc)}'`);
    else budget.maxErrorIncrease = n;
  }
  const loss = values['max-loss-increase'];
  if (loss !== undefined) {
    const n = Number(loss);
    if (loss === 'off') budget.maxLossIncrease = null;
    else if (typeof loss !== 'string' || loss.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`Expected --max-loss-increase to be a non-negative share (0.05 = 5%) or off, got '${String(loss)}'`);
    else budget.maxLossIncrease = n;
  }
  if (values['search-steps'] !== undefined) budget.steps = intFlag('search-steps', values['search-steps'], 2, 0);
  return { ...config, budget };
}

/** Load everything, run the config's compression pipeline (@softshare/pipeline) with every stage's progress on stderr (or JSON lines). */
/** What a command already has: its config (else from the flags), how candidates are encoded (its --coder, ...), its data (else loaded from the flags). */
export interface RunPipelineOptions {
  readonly config?: PipelineConfig;
  readonly encode?: EncodeSwsOptions;
  readonly data?: Dataset;
}

export async function runPipeline(values: Record<string, string | boolean | undefined>, io: Io, checkpointDir: string, options: RunPipelineOptions = {}): Promise<PipelineRun> {
  const { encode } = options;
  const config = options.config ?? (await pipelineConfigOf(values));
  if (values.resume && config.sparsify) throw new SoftshareError('E_OPTIONS', 'cli', '--resume continues a soft weight-sharing retraining; this config has a sparsify section, which replaces the retraining');
  const backend = await selectBackend({ backend: values.backend as string | undefined });
  const model = await loadModelFile(values.model as string);
  const data = withTask(options.data ?? loadTrainingData(values), values, model);
  const before = evaluate(model, data.test, { task: data.task });
  const task = taskSummary(model, data);
  const errorBefore = before.error;
  const input = toModelData(model);
  model.dispose();
  const resumeFrom = values.resume ? loadCheckpoint(values.resume as string) : undefined;
  const progress = createProgressChannel();
  const history: Record<string, number>[] = [];
  const stages = pipelineStages(config);
  // a regression's validation figure is its MSE / MAE, not a share of examples
  const metric = before.metric;
  const asMetric = (f: Readonly<Record<string, Figure>>): Readonly<Record<string, Figure>> =>
    metric === 'error' ? f : Object.fromEntries(Object.entries(f).map(([k, v]) => [k, k === 'validationError' ? { label: `validation ${metricLabel(metric)}`, kind: 'number' as const } : v]));
  const figures = new Map(stages.map((s) => [s.stageName, asMetric(s.figures ?? {})]));
  // the first stage trains longest: its epochs drive the ETA, its epoch figures the report's curves
  const first = stages[0].stageName;
  const firstEpochs = (config[first as keyof PipelineConfig] as { epochs: number }).epochs;
  // a live bar only on a terminal; logs and pipes get one line per epoch
  const bar = !values.json && !values.quiet && process.stderr.isTTY ? progressBar({ stage: first, epochs: firstEpochs }, performance.now()) : null;
  progress.events$.subscribe((e) => {
    if (bar) {
      const text = bar(e);
      if (text) io.err(text);
    }
    if (e.unit === 'point') {
      // the budget search measured a file (validation split)
      if (bar) io.err('\r\x1b[K');
      const v = e.values ?? {};
      const elapsed = (performance.now() - t0) / 1000;
      if (values.json) io.out(JSON.stringify({ event: 'point', point: e.current, rule: e.phase, ...v, elapsed: +elapsed.toFixed(3) }) + '\n');
      else if (!values.quiet) io.err(`budget point ${e.current}${v.tau === undefined ? '' : `  tau ${+v.tau.toPrecision(3)}`}${v.pi0 === undefined ? '' : ` pi0 ${+v.pi0.toPrecision(4)}`}${e.phase ? ` ${e.phase}` : ''}  validation ${metricLabel(metric)} ${formatMetric(v.validationError ?? NaN, metric)} (limit ${formatMetric(v.limit ?? NaN, metric)})  ${(v.fileRatio ?? NaN).toFixed(1)}x  non-zero ${(100 * (v.nonzeroFraction ?? NaN)).toFixed(2)}%  ${v.withinBudget ? 'within' : 'over'}  ${elapsed.toFixed(1)} s\n`);
      return;
    }
    if (e.unit !== 'epoch') return;
    if (bar) io.err('\r\x1b[K');
    const elapsed = (performance.now() - t0) / 1000;
    const figs = e.values ?? {};
    if (e.stage === first && e.phase === undefined) history.push(Object.fromEntries([['epoch', e.current], ...Object.entries(figs).filter((kv): kv is [string, number] => kv[1] !== undefined)]));
    if (values.json) io.out(JSON.stringify({ event: 'epoch', stage: e.stage, phase: e.phase, epoch: e.current, of: e.total, ...figs, elapsed: +elapsed.toFixed(3) }) + '\n');
    else if (!values.quiet) io.err(`${e.stage}${e.phase ? ` ${e.phase}` : ''} epoch ${e.current}/${e.total}  ${formatFigures(figs, figures.get(e.stage) ?? {})}  ${elapsed.toFixed(1)} s\n`);
  });
  const t0 = performance.now();
  let retrained: RetrainedModel | undefined;
  const checkpoint = join(checkpointDir, 'checkpoint.json');
  const search = await new Promise<BudgetedCompression>((resolve, reject) => {
    let interrupted: string | undefined;
    let saved: { epoch: number; step: number } | undefined = resumeFrom ? { epoch: resumeFrom.epoch, step: resumeFrom.step ?? 0 } : undefined;
    const giveUp = (signal: string) => {
      cleanup();
      const how =
        saved === undefined
          ? 'no batch had finished, so there is no checkpoint yet'
          : `the run so far (${saved.step > 0 ? `epoch ${saved.epoch + 1}, batch ${saved.step}` : `after epoch ${saved.epoch}`}) is saved: continue with --resume ${checkpoint}`;
      reject(new SoftshareError('E_CANCELLED', 'cli', `Interrupted by ${signal}; ${how}`));
    };
    let timer: NodeJS.Timeout | undefined;
    const onSignal = (signal: string) => {
      if (interrupted) return;
      interrupted = signal;
      sub.unsubscribe(); // retraining stops at the next batch and hands us a checkpoint
      timer = setTimeout(() => giveUp(signal), 10_000);
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
    const sub = of(input)
      .pipe(
        compressWithinBudget(data, config, {
          progress,
          encode,
          resumeFrom,
          onRetrained: (m) => {
            retrained = m;
          },
          onCheckpoint: (s) => {
            saveCheckpoint(checkpointDir, s);
            saved = { epoch: s.epoch, step: s.step ?? 0 };
            if (interrupted) giveUp(interrupted);
          },
        }),
      )
      .subscribe({
        next: (q) => {
          cleanup();
          resolve(q);
        },
        error: (e: unknown) => {
          cleanup();
          reject(e);
        },
      });
    // after the operator is assembled: a config it refuses throws before any listener exists (the search itself settles asynchronously)
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  return { backend, data, config, input, quantized: search.model, search, budget: search.budget, retrained, errorBefore, before, task, seconds: (performance.now() - t0) / 1000, history };
}

export { tf };
