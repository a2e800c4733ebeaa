import { readFileSync } from 'node:fs';
import { pipe, tap, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { formatOptionsError, SoftshareError, type PretrainedModel, type QuantizedModel, type RetrainedModel, type StageContext } from '@softshare/core';
import type { ImageDataset } from '@softshare/data';
import { merge, mergeOptionsSchema } from '@softshare/merge';
import { quantize, quantizeOptionsSchema } from '@softshare/quantize';
import { retrain, retrainOptionsSchema, tune, tuneOptionsSchema, type TrainingState } from '@softshare/retrain';

/** The --config file: one section per stage, each validated by that stage's own schema. */
export const pipelineConfigSchema = z
  .object({
    retrain: retrainOptionsSchema.default(retrainOptionsSchema.parse({})),
    merge: mergeOptionsSchema.default(mergeOptionsSchema.parse({})),
    quantize: quantizeOptionsSchema.default(quantizeOptionsSchema.parse({})),
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
  const retrainSection = { ...((raw.retrain as object | undefined) ?? {}), ...overrides };
  const parsed = pipelineConfigSchema.safeParse({ ...raw, retrain: retrainSection });
  if (!parsed.success) throw new SoftshareError('E_OPTIONS', 'cli', formatOptionsError('config', parsed.error));
  return parsed.data;
}

/**
 * The soft weight-sharing pipeline that `retrain` and `compress` share:
 * retrain -> merge -> quantize -> tune (shared values and biases, structure fixed; the
 * pretrained input is the teacher when `tune.mask.distill` is on).
 */
export function softWeightSharing(
  data: ImageDataset,
  config: PipelineConfig,
  context: Partial<StageContext> & {
    onCheckpoint?: (s: TrainingState) => void | Promise<void>;
    resumeFrom?: TrainingState;
    /** Sees the retrained (not yet quantised) model, e.g. for the report. */
    onRetrained?: (m: RetrainedModel) => void;
  } = {},
): OperatorFunction<PretrainedModel, QuantizedModel> {
  let pretrained: PretrainedModel | undefined;
  return pipe(
    tap((m) => {
      pretrained = m;
    }),
    retrain(data, config.retrain, context),
    tap((m) => context.onRetrained?.(m)),
    merge(config.merge, context),
    quantize(config.quantize, context),
    tune(data, config.tune, { ...context, teacher: () => pretrained }),
  );
}
