import { Observable, type OperatorFunction } from 'rxjs';
import { parseOptions, silentProgress, type QuantizedModel, type StageContext } from '@softshare/core';
import type { ImageDataset } from '@softshare/data';
import { runSharedTuning, tuneOptionsSchema, type TuneOptionsInput } from './tune-shared.js';

/**
 * The tune stage: a QuantizedModel in, the same structure out (same zeros, same
 * sharing, same code streams) with its shared values and biases tuned on the training
 * data. Place it after quantize(). Unsubscribing stops it within one batch.
 *
 * @example
 * of(toModelData(model)).pipe(retrain(data), merge(), quantize(), tune(data, { epochs: 2 }))
 */
export function tune(data: ImageDataset, options?: TuneOptionsInput, context: Partial<StageContext> = {}): OperatorFunction<QuantizedModel, QuantizedModel> {
  const opts = parseOptions('tune', tuneOptionsSchema, options);
  const progress = context.progress ?? silentProgress;
  return (source) =>
    new Observable<QuantizedModel>((subscriber) => {
      let cancelled = false;
      let pending = Promise.resolve();
      const inner = source.subscribe({
        next: (model) => {
          pending = pending.then(async () => {
            try {
              const out = await runSharedTuning(model, data, opts, {
                isCancelled: () => cancelled,
                onStep: (current, total) => progress.emit({ stage: 'tune', unit: 'step', current, total }),
              });
              if (!cancelled) subscriber.next(out);
            } catch (e) {
              if (!cancelled) subscriber.error(e);
            }
          });
        },
        error: (e) => subscriber.error(e),
        complete: () => void pending.then(() => subscriber.complete()),
      });
      return () => {
        cancelled = true;
        inner.unsubscribe();
      };
    });
}
