import { map, pipe, tap, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { formatOptionsError, SoftshareError, type Figure, type PretrainedModel, type QuantizedModel, type RetrainedModel, type StageContext } from '@softshare/core';
import type { Dataset } from '@softshare/data';
import { merge } from '@softshare/merge';
import { prune } from '@softshare/prune';
import { quantize } from '@softshare/quantize';
import { retrain, type TrainingState } from '@softshare/retrain';
import { sparsify } from '@softshare/sparsify';
import { tune } from '@softshare/tune';
import { budgetOptionsSchema } from './budget-options.js';
import { prepareBatchNorm } from './batchnorm.js';

/** A stage's options section: its own schema, defaulting to the stage's defaults. */
const section = <S extends z.ZodType>(stage: { readonly schema: S }) => stage.schema.default(() => stage.schema.parse({}) as never);

/**
 * The pipeline config: one section per stage, each the stage's own schema (`stage.schema`).
 * With a `sparsify` section the pipeline is sparsify -> tune (the mask from sparse
 * variational dropout) instead of retrain -> merge -> quantize -> prune -> tune; a tune
 * with a mask search is followed by prune again (`pipelineStages`).
 */
export const pipelineConfigSchema = z.strictObject({
  sparsify: sparsify.schema.optional(),
  retrain: section(retrain),
  merge: section(merge),
  quantize: section(quantize),
  prune: section(prune),
  tune: section(tune),
  /** The accuracy budget and the search within it (compressWithinBudget; compressionPipeline is one attempt and ignores it). */
  budget: budgetOptionsSchema.default(() => budgetOptionsSchema.parse({})),
  /**
   * Fold each BatchNormalization into the linear layer before it before anything trains
   * (`withBatchNormFolded`): the file holds no BatchNormalization. Default false: folded
   * kernels carry each channel's BatchNormalization scale, and one mixture prior over
   * them sends the small-scale ones to 0 whole (docs/RESULTS.md, "BatchNormalization under
   * the prior").
   */
  foldBatchNorm: z.boolean().default(false),
  /**
   * Where BatchNormalization is kept: scale each output channel of the kernel before it to
   * one RMS, its statistics undoing it (`withBatchNormBalanced`), so one mixture fits every
   * channel. Default true. Either way retraining and tune hold BatchNormalization at its
   * pretrained statistics (`freezeBatchNorm` of @softshare/models).
   */
  balanceBatchNorm: z.boolean().default(true),
});

export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;

/**
 * Validate a pipeline config (e.g. a parsed --config file). `retrainOverrides` replace keys
 * of the retrain section (the CLI's --epochs and --tau). Throws E_OPTIONS with one line
 * naming the field, or naming the sections a sparsify config would silently ignore.
 *
 * @example
 * const config = parsePipelineConfig({ retrain: { epochs: 5 }, tune: { epochs: 1 } });
 */
export function parsePipelineConfig(raw: unknown, retrainOverrides: Readonly<Record<string, unknown>> = {}): PipelineConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SoftshareError('E_OPTIONS', 'pipeline', `config: expected an object of stage sections, got ${Array.isArray(raw) ? 'an array' : String(raw)}`);
  const sections = raw as Record<string, unknown>;
  if (sections.sparsify !== undefined) {
    // the soft weight-sharing stages do not run: their options would be silently ignored
    const unused = [...['retrain', 'merge', 'quantize'].filter((k) => sections[k] !== undefined), ...Object.keys(retrainOverrides).map((k) => `--${k}`)];
    if (unused.length > 0) throw new SoftshareError('E_OPTIONS', 'pipeline', `config: a sparsify section replaces retrain -> merge -> quantize, so ${unused.join(', ')} would be ignored; remove ${unused.length > 1 ? 'them' : 'it'}`);
  }
  const retrainSection = { ...((sections.retrain as object | undefined) ?? {}), ...retrainOverrides };
  const parsed = pipelineConfigSchema.safeParse({ ...sections, retrain: retrainSection });
  if (!parsed.success) throw new SoftshareError('E_OPTIONS', 'pipeline', formatOptionsError('config', parsed.error));
  return parsed.data;
}

/** A stage as the pipeline lists it: its name, and the figures of its epoch events where it trains. */
export interface PipelineStage {
  readonly stageName: string;
  readonly figures?: Readonly<Record<string, Figure>>;
}

/** The stages a config runs, in order. */
export function pipelineStages(config: PipelineConfig): readonly PipelineStage[] {
  const head: PipelineStage[] = config.sparsify ? [sparsify] : [retrain, merge, quantize, prune];
  return [...head, tune, ...(config.tune.mask.epochs > 0 ? [prune] : [])];
}

/** The stages a config runs, for summaries: e.g. `retrain -> merge -> quantize -> prune -> tune`. */
export function pipelineName(config: PipelineConfig): string {
  return pipelineStages(config).map((s) => s.stageName).join(' -> ');
}

/** Hooks of the compression pipeline, besides the progress channel every stage reports to. */
export type PipelineContext = Partial<StageContext> & {
  /** The retraining's full state after each epoch and on cancellation (write a checkpoint). */
  onCheckpoint?: (s: TrainingState) => void | Promise<void>;
  /** Continue a retraining from a checkpoint (not with a sparsify section). */
  resumeFrom?: TrainingState;
  /** Sees the retrained (not yet quantised) model, e.g. for the report. */
  onRetrained?: (m: RetrainedModel) => void;
};

/** Refuse, when the model arrives and before any training, options that name tensors the model lacks. */
export function checkInput(config: PipelineConfig, input: PretrainedModel): void {
  for (const name of Object.keys(config.tune.mask.tensorDensity ?? {})) {
    if (!input.params.some((p) => p.name === name)) throw new SoftshareError('E_OPTIONS', 'pipeline', `config: tune.mask.tensorDensity names "${name}", which the model does not have (it has ${input.params.map((p) => p.name).join(', ')})`);
  }
}

/**
 * What `softshare compress` runs, as an operator: a PretrainedModel in, the compressed
 * QuantizedModel out (encode it with @softshare/format), every stage's progress on
 * `context.progress`. By default soft weight-sharing: retrain -> merge -> quantize -> prune
 * -> tune (shared values and biases, structure fixed; the pretrained input is the teacher
 * when `tune.mask.distill` is on). With a `sparsify` section: sparsify -> tune. A tune
 * whose mask search moves the non-zeros is followed by prune, which drops what the new
 * mask left unable to reach the output. Unsubscribing stops the training within a batch.
 *
 * @example
 * const config = parsePipelineConfig({ retrain: { epochs: 30 } });
 * const compressed = await lastValueFrom(of(toModelData(model)).pipe(compressionPipeline(data, config, { progress })));
 */
export function compressionPipeline(data: Dataset, config: PipelineConfig, context: PipelineContext = {}): OperatorFunction<PretrainedModel, QuantizedModel> {
  if (context.resumeFrom && config.sparsify) throw new SoftshareError('E_OPTIONS', 'pipeline', 'resume continues a soft weight-sharing retraining; this config has a sparsify section, which replaces the retraining');
  let pretrained: PretrainedModel | undefined;
  const start = pipe(
    map((m: PretrainedModel) => prepareBatchNorm(m, config)),
    tap((m: PretrainedModel) => {
      checkInput(config, m);
      pretrained = m;
    }),
  );
  const teacher = () => pretrained;
  if (config.sparsify) return pipe(start, sparsify(data, config.sparsify, context), finishing(data, config, context, teacher));
  return pipe(start, retrain(data, config.retrain, context), tap((m) => context.onRetrained?.(m)), afterRetraining(data, config, context, teacher));
}

/** tune, then prune again when tune's mask search moved the non-zeros. */
export function finishing(data: Dataset, config: PipelineConfig, context: PipelineContext, teacher: () => PretrainedModel | undefined): OperatorFunction<QuantizedModel, QuantizedModel> {
  const tuned = tune(data, config.tune, { ...context, teacher });
  return config.tune.mask.epochs > 0 ? pipe(tuned, prune(config.prune, context)) : tuned;
}

/** What follows the retraining: merge -> quantize -> prune -> tune (-> prune). */
export function afterRetraining(data: Dataset, config: PipelineConfig, context: PipelineContext, teacher: () => PretrainedModel | undefined): OperatorFunction<RetrainedModel, QuantizedModel> {
  return pipe(merge(config.merge, context), quantize(config.quantize, context), prune(config.prune, context), finishing(data, config, context, teacher));
}
