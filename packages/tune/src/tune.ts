import { defineTrainingStage, type Figures, type ModelData, type ProgressEvent, type QuantizedModel } from '@softshare/core';
import type { Dataset } from '@softshare/data';
import { runSharedTuning, tuneOptionsSchema } from './shared-values.js';

/** The figures of the tune stage's epoch events (phase `mask` for the mask search, `shared` for the tuning). */
export type TuneEpochValues = {
  /** Mean training cross-entropy over the epoch's batches. */
  readonly loss: number;
  /** Non-zero weights in the tensors under the prior. */
  readonly nonZero: number;
};
export type TuneEvent = ProgressEvent<TuneEpochValues>;

const figures: Figures<TuneEpochValues> = {
  loss: { label: 'loss', kind: 'number' },
  nonZero: { label: 'non-zero', kind: 'count' },
};

/** Hooks of the tune stage. */
export interface TuneStageHooks {
  /** The model before retraining, for `mask.distill`; read when the run starts. */
  readonly teacher?: () => ModelData | undefined;
}

/**
 * The tune stage: a QuantizedModel in, the same structure out (same zeros, same
 * sharing, same code streams) with its shared values and biases tuned on the training
 * data. Place it after quantize() and prune(). Unsubscribing stops it within one batch.
 * With `reassign`, non-zeros may change shared value; with `mask.epochs` > 0, a mask
 * search first changes which weights are non-zero (same codebooks unless `mask.refit`;
 * counts per tensor kept, or moved to `mask.density` / `mask.tensorDensity`): compose
 * prune() after it. Progress: `step` events after each batch; `epoch` events
 * (`TuneEpochValues`) after each epoch of the mask search (phase `mask`) and of the
 * tuning (phase `shared`).
 *
 * @example
 * of(toModelData(model)).pipe(retrain(data), merge(), quantize(), prune(), tune(data, { epochs: 2 }))
 */
export const tune = defineTrainingStage<typeof tuneOptionsSchema, Dataset, QuantizedModel, QuantizedModel, TuneEpochValues, TuneStageHooks>(
  'tune',
  tuneOptionsSchema,
  figures,
  (model, data, opts, run, hooks) =>
    runSharedTuning(model, data, opts, {
      isCancelled: run.isCancelled,
      teacher: hooks.teacher?.(),
      onStep: (current, total) => run.step(current, total),
      onEpoch: (e) => run.epoch(e.epoch, e.epochs, { loss: e.loss, nonZero: e.nonZero }, e.phase),
    }),
);
