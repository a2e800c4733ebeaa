import { readFileSync } from 'node:fs';
import { pipe, tap, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { formatOptionsError, SoftshareError, type PretrainedModel, type QuantizedModel, type RetrainedModel, type StageContext } from '@softshare/core';
import type { ImageDataset } from '@softshare/data';
import { merge, mergeOptionsSchema } from '@softshare/merge';
import { prune, pruneOptionsSchema } from '@softshare/prune';
import { quantize, quantizeOptionsSchema } from '@softshare/quantize';
import { retrain, retrainOptionsSchema, type TrainingState } from '@softshare/retrain';
import { tune, tuneOptionsSchema } from '@softshare/tune';
import { sparsify, sparsifyOptionsSchema } from '@softshare/sparsify';

/**
 * The --config file: one section per stage, each validated by that stage's own schema.
 * With a `sparsify` section the pipeline is sparsify -> tune (the mask from sparse
 * variational dropout) instead of retrain -> merge -> quantize -> prune -> tune; a
 * tune with a mask search is followed by prune again (`pipelineName`).
 */
export const pipelineConfigSchema = z
  .object({
    sparsify: sparsifyOptionsSchema.optional(),
    retrain: retrainOptionsSchema.default(retrainOptionsSchema.parse({})),
    merge: mergeOptionsSchema.default(mergeOptionsSchema.parse({})),
    quantize: quantizeOptionsSchema.default(quantizeOptionsSchema.parse({})),
    prune: pruneOptionsSchema.default(pruneOptionsSchema.parse({})),
    tune: tuneOptionsSchema.default(tuneOptionsSchema.parse({})),
  })
  .strict();

export type PipelineConfig = z.output<typeof pipelineConfigSchema>;

/** Read and validate a --config JSON file (or the defaults when none is given). */
export function loadPipelineConfig(path?: string, overrides: Record<string, unknown> = {}): PipelineConfig {
  let raw: Record<string, unknown> = {};
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new SoftshareError('E_OPTIONS', 'cli', `Cannot read config ${path}: ${(cause as Error).message}`, { cause });
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new SoftshareError('E_OPTIONS', 'cli', `Expected config ${path} to be JSON, got a parse error: ${(cause as Error).message}`, { cause });
    }
  }
  if (raw.sparsify !== undefined) {
    // the soft weight-sharing stages do not run: their options would be silently ignored
    const unused = [...['retrain', 'merge', 'quantize'].filter((k) => raw[k] !== undefined), ...Object.keys(overrides).map((k) => `--${k}`)];
    if (unused.length > 0) throw new SoftshareError('E_OPTIONS', 'cli', `config: a sparsify section replaces retrain -> merge -> quantize, so ${unused.join(', ')} would be ignored; remove ${unused.length > 1 ? 'them' : 'it'}`);
  }
  const retrainSection = { ...((raw.retrain as object | undefined) ?? {}), ...overrides };
  const parsed = pipelineConfigSchema.safeParse({ ...raw, retrain: retrainSection });
  if (!parsed.success) throw new SoftshareError('E_OPTIONS', 'cli', formatOptionsError('config', parsed.error));
  return parsed.data;
}

/** The stages a config runs, for summaries. */
export function pipelineName(config: PipelineConfig): string {
  const after = config.tune.mask.epochs > 0 ? ' -> prune' : '';
  return `${config.sparsify ? 'sparsify' : 'retrain -> merge -> quantize -> prune'} -> tune${after}`;
}

/** Hooks of the pipelines `retrain` and `compress` run. */
export type PipelineContext = Partial<StageContext> & {
  onCheckpoint?: (s: TrainingState) => void | Promise<void>;
  resumeFrom?: TrainingState;
  /** Sees the retrained (not yet quantised) model, e.g. for the report. */
  onRetrained?: (m: RetrainedModel) => void;
};

/**
 * The pipeline that `retrain` and `compress` share. By default soft weight-sharing:
 * retrain -> merge -> quantize -> prune -> tune (shared values and biases, structure
 * fixed; the pretrained input is the teacher when `tune.mask.distill` is on). With a
 * `sparsify` section: sparsify -> tune. A tune whose mask search moves the non-zeros
 * is followed by prune, which drops what the new mask left unable to reach the output.
 */
export function compressionPipeline(data: ImageDataset, config: PipelineConfig, context: PipelineContext = {}): OperatorFunction<PretrainedModel, QuantizedModel> {
  let pretrained: PretrainedModel | undefined;
  const remember = tap((m: PretrainedModel) => {
    pretrained = m;
  });
  const tuned = tune(data, config.tune, { ...context, teacher: () => pretrained });
  const finish = config.tune.mask.epochs > 0 ? pipe(tuned, prune(config.prune, context)) : tuned;
  if (config.sparsify) return pipe(remember, sparsify(data, config.sparsify, context), finish);
  return pipe(
    remember,
    retrain(data, config.retrain, context),
    tap((m) => context.onRetrained?.(m)),
    merge(config.merge, context),
    quantize(config.quantize, context),
    prune(config.prune, context),
    finish,
  );
}
