import type { OperatorFunction } from 'rxjs';
import type { z } from 'zod';
import { cancellableStage } from './cancellable-stage.js';
import { silentProgress, type EventValues, type Figures, type ProgressEvent } from './progress.js';
import { parseOptions, type StageContext } from './stage.js';

/** What a training stage's run reports through: cancellation, and its typed progress. */
export interface TrainingRun<Values extends EventValues> {
  /** True once the subscriber unsubscribed: stop within the current batch. */
  isCancelled(): boolean;
  /** After each batch. */
  step(current: number, total: number, phase?: string): void;
  /** After each epoch, with the stage's figures. */
  epoch(current: number, total: number, values: Values, phase?: string): void;
}

/**
 * A training stage factory: the data it trains on, its options (parsed at assembly) and a
 * context (progress channel plus the stage's own hooks, e.g. checkpoints) in, a typed rxjs
 * operator out. Carries its name, schema and the figures of its epoch events.
 */
export type TrainingStageFactory<Schema extends z.ZodType, Data, In, Out, Values extends EventValues, Hooks extends object> = ((
  data: Data,
  options?: z.input<Schema>,
  context?: Partial<StageContext> & Hooks,
) => OperatorFunction<In, Out>) & {
  readonly stageName: string;
  readonly schema: Schema;
  readonly figures: Figures<Values>;
  /** Whether an event on a shared channel is one of this stage's (and so carries its figures). */
  isEvent(event: ProgressEvent): event is ProgressEvent<Values>;
};

/**
 * Define a stage that trains on data: the same shape as `defineStage` (name, schema,
 * options parsed when the stage is assembled) plus the data, typed hooks and typed
 * progress. `run` trains one input model; unsubscribing makes `run.isCancelled()` true.
 *
 * @example
 * const fit = defineTrainingStage('fit', z.strictObject({ epochs: z.number().default(1) }),
 *   { loss: { label: 'CE', kind: 'number' } },
 *   async (m: PretrainedModel, data: Batches, opts, run) => { ...; run.epoch(1, opts.epochs, { loss }); return m; });
 */
export function defineTrainingStage<Schema extends z.ZodType, Data, In, Out, Values extends EventValues, Hooks extends object = Record<never, never>>(
  name: string,
  schema: Schema,
  figures: Figures<Values>,
  run: (input: In, data: Data, options: z.output<Schema>, training: TrainingRun<Values>, hooks: Partial<Hooks>) => Promise<Out>,
): TrainingStageFactory<Schema, Data, In, Out, Values, Hooks> {
  const factory = (data: Data, options?: z.input<Schema>, context: Partial<StageContext> & Hooks = {} as Partial<StageContext> & Hooks) => {
    const opts = parseOptions(name, schema, options);
    const progress = context.progress ?? silentProgress;
    return cancellableStage((input: In, isCancelled) =>
      run(
        input,
        data,
        opts,
        {
          isCancelled,
          step: (current, total, phase) => progress.emit({ stage: name, ...(phase === undefined ? {} : { phase }), unit: 'step', current, total }),
          epoch: (current, total, values, phase) => progress.emit({ stage: name, ...(phase === undefined ? {} : { phase }), unit: 'epoch', current, total, values }),
        },
        context,
      ),
    );
  };
  const isEvent = (event: ProgressEvent): event is ProgressEvent<Values> => event.stage === name;
  return Object.assign(factory, { stageName: name, schema, figures, isEvent });
}
