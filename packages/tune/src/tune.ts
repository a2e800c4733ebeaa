import type { OperatorFunction } from 'rxjs';
import { cancellableStage, parseOptions, silentProgress, type ModelData, type QuantizedModel, type StageContext } from '@softshare/core';
import type { ImageDataset } from '@softshare/data';
import { runSharedTuning, tuneOptionsSchema, type TuneOptionsInput } from './shared-values.js';

/**
 * The tune stage: a QuantizedModel in, the same structure out (same zeros, same
 * sharing, same code streams) with its shared values and biases tuned on the training
 * data. Place it after quantize(). Unsubscribing stops it within one batch. With
 * `reassign`, non-zeros may change shared value; with `mask.epochs` > 0, a mask search
 * first changes which weights are non-zero (same codebooks unless `mask.refit`; counts per tensor kept,
 * or moved to `mask.density` / `mask.tensorDensity`). Progress: `step` events (stage
 * `tune`) after each batch; `epoch` events after each epoch of the mask search (stage
 * `tune/mask`) and of the tuning (stage `tune`), with the epoch's mean training
 * cross-entropy (`loss`) and the non-zero count (`nonZero`).
 *
 * @example
 * of(toModelData(model)).pipe(retrain(data), merge(), quantize(), tune(data, { epochs: 2 }))
 */
export function tune(data: ImageDataset, options?: TuneOptionsInput, context: Partial<StageContext> & { /** The model before retraining, for `mask.distill`. */ teacher?: () => ModelData | undefined } = {}): OperatorFunction<QuantizedModel, QuantizedModel> {
  const opts = parseOptions('tune', tuneOptionsSchema, options);
  const progress = context.progress ?? silentProgress;
  return cancellableStage((model, isCancelled) =>
    runSharedTuning(model, data, opts, {
      isCancelled,
      teacher: context.teacher?.(),
      onStep: (current, total) => progress.emit({ stage: 'tune', unit: 'step', current, total }),
      onEpoch: (e) => progress.emit({ stage: e.phase === 'mask' ? 'tune/mask' : 'tune', unit: 'epoch', current: e.epoch, total: e.epochs, values: { loss: e.loss, nonZero: e.nonZero } }),
    }),
  );
}
