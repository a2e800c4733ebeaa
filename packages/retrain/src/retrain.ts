import type { OperatorFunction } from 'rxjs';
import { cancellableStage, parseOptions, silentProgress, type PretrainedModel, type RetrainedModel, type StageContext } from '@softshare/core';
import type { ImageDataset } from '@softshare/data';
import { runRetraining, type RetrainHooks } from './retrain-loop.js';
import { retrainOptionsSchema, type RetrainOptionsInput } from './retrain-options.js';

/**
 * The retrain stage: a PretrainedModel in, a RetrainedModel (weights + learned mixture)
 * out. Options are checked when the stage is assembled. Progress goes to the context's
 * channel: `epoch` events with the loss parts, test error, zero share and mixture, and
 * `step` events. Unsubscribing stops the run within one batch.
 *
 * @example
 * of(toModelData(model)).pipe(retrain(loadMnist(), { tau: 0.05, epochs: 30 }), merge(), quantize())
 */
export function retrain(
  data: ImageDataset,
  options?: RetrainOptionsInput,
  context: Partial<StageContext> & Pick<RetrainHooks, 'onCheckpoint' | 'resumeFrom'> = {},
): OperatorFunction<PretrainedModel, RetrainedModel> {
  const opts = parseOptions('retrain', retrainOptionsSchema, options);
  const progress = context.progress ?? silentProgress;
  return cancellableStage((model, isCancelled) =>
    runRetraining(model, data, opts, {
      isCancelled,
      onCheckpoint: context.onCheckpoint,
      resumeFrom: context.resumeFrom,
      onStep: (current, total) => progress.emit({ stage: 'retrain', unit: 'step', current, total }),
      onEpoch: (e) =>
        progress.emit({
          stage: 'retrain',
          unit: 'epoch',
          current: e.epoch,
          total: e.epochs,
          values: { errorLoss: e.errorLoss, complexityLoss: e.complexityLoss, testError: e.testError, zeroShare: e.zeroShare, seconds: e.seconds },
        }),
    }),
  );
}
