import { defineTrainingStage, type Figures, type PretrainedModel, type ProgressEvent, type RetrainedModel } from '@softshare/core';
import type { Dataset } from '@softshare/data';
import { runRetraining, type RetrainHooks } from './retrain-loop.js';
import { retrainOptionsSchema } from './retrain-options.js';

/** The figures of the retrain stage's epoch events. */
export type RetrainEpochValues = {
  /** Mean cross-entropy over the epoch. */
  readonly errorLoss: number;
  /** tau / N * (-sum log p(w) - log hyper-prior) at the epoch's end. */
  readonly complexityLoss: number;
  /** Validation error; absent without a validation split and on epochs that were not evaluated. */
  readonly validationError?: number;
  /** Share of prior weights whose most responsible component is the zero one. */
  readonly zeroShare: number;
  /** The epoch's duration. */
  readonly seconds: number;
};
export type RetrainEvent = ProgressEvent<RetrainEpochValues>;

const figures: Figures<RetrainEpochValues> = {
  errorLoss: { label: 'loss', kind: 'number' },
  complexityLoss: { label: 'complexity', kind: 'number' },
  validationError: { label: 'validation error', kind: 'share' },
  zeroShare: { label: 'zero', kind: 'share' },
  seconds: { label: 'epoch', kind: 'seconds' },
};

/**
 * The retrain stage: a PretrainedModel in, a RetrainedModel (weights + learned mixture)
 * out. Options are checked when the stage is assembled. Progress goes to the context's
 * channel: `epoch` events (`RetrainEpochValues`) and `step` events. Hooks: `onCheckpoint`
 * (the full state after each epoch and on cancellation), `resumeFrom`. Unsubscribing stops
 * the run within one batch.
 *
 * @example
 * of(toModelData(model)).pipe(retrain(loadMnist(), { tau: 0.05, epochs: 30 }), merge(), quantize())
 */
export const retrain = defineTrainingStage<typeof retrainOptionsSchema, Dataset, PretrainedModel, RetrainedModel, RetrainEpochValues, Pick<RetrainHooks, 'onCheckpoint' | 'resumeFrom'>>(
  'retrain',
  retrainOptionsSchema,
  figures,
  (model, data, opts, run, hooks) =>
    runRetraining(model, data, opts, {
      isCancelled: run.isCancelled,
      onCheckpoint: hooks.onCheckpoint,
      resumeFrom: hooks.resumeFrom,
      onStep: (current, total) => run.step(current, total),
      onEpoch: (e) =>
        run.epoch(e.epoch, e.epochs, {
          errorLoss: e.errorLoss,
          complexityLoss: e.complexityLoss,
          ...(e.validationError === undefined ? {} : { validationError: e.validationError }),
          zeroShare: e.zeroShare,
          seconds: e.seconds,
        }),
    }),
);
