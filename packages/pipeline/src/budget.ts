import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, Observable, of, tap, type OperatorFunction, type Subscription } from 'rxjs';
import { SoftshareError, weightTensors, type ModelData, type PretrainedModel, type ProgressChannel, type QuantizedModel, type RetrainedModel } from '@softshare/core';
import { targetsOf, type Dataset, type DataSplit, type TaskSpecLike } from '@softshare/data';
import { encodeSws, swsIO, type EncodedSws, type EncodeSwsOptions } from '@softshare/format';
import { defaultMetric, evaluate, fromModelData, type Evaluation } from '@softshare/models';
import { retrain, type TrainingState } from '@softshare/retrain';
import { applyFits, loosestWithin, tensorFits, TOLERANCES } from '@softshare/shrink';
import { afterRetraining, checkInput, compressionPipeline, finishing, type PipelineConfig, type PipelineContext } from './pipeline.js';
import { prepareBatchNorm } from './batchnorm.js';
import { storeByWorth, type StorageChoice } from './storage.js';

/** One file the search made and measured on the validation split. */
export interface BudgetPoint {
  /** Prior strength of the retraining behind it (absent on the sparsify route). */
  readonly tau?: number;
  /** Retraining epochs behind it, the path's earlier points included. */
  readonly retrainEpochs?: number;
  /** How its weights were quantised (absent on the sparsify route). */
  readonly rule?: 'map' | 'ml';
  /** The zero component's starting proportion of that retraining. */
  readonly pi0?: number;
  /** Made by prune-and-recover: more epochs with the zero component's weights held at 0 (the cliff's last repair). */
  readonly pruned?: boolean;
  /**
   * Made by the finer-values fallback: the float retrained weights under the prior (the
   * pretrained ones when no retrained model kept the budget: no tau), each tensor on its own
   * k-means shared values within this relative squared error (@softshare/shrink's
   * tolerance), when no file of the search kept the budget.
   */
  readonly tolerance?: number;
  /** A finer-values file that went through tune (shared values and biases, codes fixed) before it was measured. */
  readonly tuned?: boolean;
  /** Made by the storage step from the point the search chose (the point before it): what it changed. */
  readonly storage?: StorageChoice;
  /** Validation metric (`BudgetOutcome.metric`) of the float retrained model it was quantised from. */
  readonly floatValidationError?: number;
  /** Validation metric of the decoded file (the first output's): the misclassified share for a classifier, MSE / MAE for regression. */
  readonly validationError: number;
  /** A multi-output model's: every output's validation metric, in `BudgetOutcome.outputs` order. */
  readonly validationOutputs?: readonly number[];
  /** Non-zero share of the weights under the prior. */
  readonly nonzeroFraction: number;
  readonly fileBytes: number;
  /** float32 bytes of every parameter of the input / bytes of the file. */
  readonly fileRatio: number;
  readonly withinBudget: boolean;
}

/** What the search measured, and what it chose. */
export interface BudgetOutcome {
  /** The (first) output's metric: 'error', 'mse', 'mae' or a custom metric's name. */
  readonly metric: string;
  /** Validation metric of the pretrained input: the budget's reference. */
  readonly referenceError: number;
  readonly maxErrorIncrease: number | null;
  readonly maxLossIncrease: number | null;
  /** The largest validation metric a file may have (error: reference + maxErrorIncrease; others: reference x (1 + maxLossIncrease); Infinity when not checked). */
  readonly limit: number;
  /** A multi-output model's outputs, each with its own reference and limit (a file is within the budget when every output is). */
  readonly outputs?: readonly { readonly name: string; readonly metric: string; readonly reference: number; readonly limit: number }[];
  /** Whether the chosen point is within the budget. */
  readonly held: boolean;
  readonly points: readonly BudgetPoint[];
  /** Index into `points`: the smallest file within the budget, else the lowest validation error. */
  readonly chosen: number;
}

/** The chosen compressed model, its encoded file, and the search that chose it. */
export interface BudgetedCompression {
  readonly model: QuantizedModel;
  readonly encoded: EncodedSws;
  readonly budget: BudgetOutcome;
  /** Every point's model and file, in `budget.points` order (e.g. to report test figures at the end). */
  readonly candidates: readonly { readonly model: QuantizedModel; readonly encoded: EncodedSws }[];
}

export type BudgetContext = PipelineContext & {
  /** How each candidate is encoded (coder, others precision): what is measured is the file a user would load. */
  readonly encode?: EncodeSwsOptions;
};

/**
 * Error of a .sws file on a split, evaluated on the model a user would load from it (the
 * search measures every candidate this way; the CLI reports test errors the same way).
 */
export async function errorOfFile(bytes: Uint8Array, split: DataSplit, task?: TaskSpecLike): Promise<number> {
  return (await evaluationOfFile(bytes, split, task)).error;
}

/** The whole evaluation of a .sws file on a split (every output's metric), as `errorOfFile`. */
export function evaluationOfFile(bytes: Uint8Array, split: DataSplit, task?: TaskSpecLike): Promise<Evaluation> {
  return evaluationOn(split, { bytes }, task);
}

/** Evaluation of a model given as data (a float model) or as an encoded file (what a user loads). */
async function evaluationOn(split: DataSplit, source: { data: RetrainedModel | PretrainedModel } | { bytes: Uint8Array }, task: TaskSpecLike | undefined): Promise<Evaluation> {
  const model = 'bytes' in source ? await tf.loadLayersModel(swsIO(source.bytes)) : await fromModelData(source.data);
  try {
    return evaluate(model, split, { task });
  } finally {
    model.dispose();
  }
}

/**
 * Which budget knobs a dataset's task reads, from its targets and task spec alone: the
 * error increase for classes (cross-entropies), the loss increase for values and for MSE /
 * MAE / custom metrics.
 */
function knobsOf(data: Dataset): { error: boolean; loss: boolean } {
  const specs = data.task === undefined ? [] : Array.isArray(data.task) ? data.task : [data.task];
  const targets = targetsOf(data.test);
  let error = false;
  let loss = false;
  targets.forEach((t, k) => {
    const s = (specs.length === 1 ? specs[0] : specs[k]) as { loss?: unknown; metric?: unknown } | undefined;
    const metric = s?.metric ?? defaultMetric(s?.loss, t.kind);
    if (metric === 'error') error = true;
    else loss = true;
  });
  return { error, loss };
}

/** A progress channel that labels every event with a phase (the search's further points). */
function phased(progress: ProgressChannel | undefined, phase: string): ProgressChannel | undefined {
  return progress && { events$: progress.events$, emit: (e) => progress.emit({ ...e, phase }), complete: () => undefined };
}

/**
 * What `softshare compress` runs: the compression pipeline searched for the smallest file
 * whose validation error stays within `config.budget` of the pretrained model's. Point 1
 * is the configured pipeline (for soft weight-sharing: retrain at the configured tau, then
 * merge -> quantize -> prune -> tune). When its quantised file breaks the budget although
 * the float retrained model keeps it, the same weights are quantised again with rule 'ml'
 * and prune-and-recover (`repairCliff`). Then up to `steps` further points: when point 1
 * kept the budget, each continues the last retraining state at tau times `factor` for
 * `epochs` epochs; when it broke it, each retrains from the pretrained weights with a
 * weaker prior: a smaller zero component (pi0, `pi0Factor`) when the cliff survived its
 * repairs, else tau divided by `factor`. The path stops at the first point on the other side.
 * When no file kept the budget, the last resort (`finerValues`): the latest float retrained
 * model that kept it (else the pretrained one), its tensors under the prior on k-means
 * shared values of their own, the loosest tolerance that keeps the budget (bisection), then looser ones tuned while
 * the tuned file keeps it. Every candidate is encoded and the
 * decoded file evaluated on the validation split; the test split is never read. Emits
 * once: the chosen model (the smallest file within the budget; when none is, the lowest
 * validation error, with `budget.held` false: the caller must not ship it as if it held).
 *
 * @example
 * const config = parsePipelineConfig({ budget: { maxErrorIncrease: 0.005 } });
 * const { model, encoded, budget } = await lastValueFrom(of(toModelData(net)).pipe(compressWithinBudget(data, config)));
 */
export function compressWithinBudget(data: Dataset, config: PipelineConfig, context: BudgetContext = {}): OperatorFunction<PretrainedModel, BudgetedCompression> {
  const { maxErrorIncrease, maxLossIncrease } = config.budget;
  const knobs = knobsOf(data);
  if (((knobs.error && maxErrorIncrease !== null) || (knobs.loss && maxLossIncrease !== null)) && (!data.validation || data.validation.count === 0)) {
    const off = knobs.error ? 'maxErrorIncrease null, --max-error-increase off' : 'maxLossIncrease null, --max-loss-increase off';
    throw new SoftshareError('E_OPTIONS', 'pipeline', `budget: the accuracy budget is measured on the validation split, and this data has none; give it one (e.g. --validation 5000) or turn the budget off (${off})`);
  }
  return (input$) =>
    new Observable<BudgetedCompression>((subscriber) => {
      let current: Subscription | undefined;
      let stopped = false;
      /** Run one inner pipeline to its value; unsubscribing from the search stops it. */
      const run = <T>(source: Observable<T>): Promise<T> =>
        new Promise<T>((resolve, reject) => {
          let last: T | undefined;
          let got = false;
          current = source.subscribe({
            next: (v) => {
              last = v;
              got = true;
            },
            error: reject,
            complete: () => (got ? resolve(last as T) : reject(new SoftshareError('E_CANCELLED', 'pipeline', 'the search was stopped'))),
          });
        });
      const outer = input$.subscribe({
        next: (input) => {
          search(input, data, config, context, run, () => stopped).then(
            (r) => {
              subscriber.next(r);
              subscriber.complete();
            },
            (e: unknown) => subscriber.error(e),
          );
        },
        error: (e: unknown) => subscriber.error(e),
      });
      return () => {
        stopped = true;
        outer.unsubscribe();
        current?.unsubscribe();
      };
    });
}

async function search(
  input: PretrainedModel,
  data: Dataset,
  config: PipelineConfig,
  context: BudgetContext,
  run: <T>(source: Observable<T>) => Promise<T>,
  stopped: () => boolean,
): Promise<BudgetedCompression> {
  const budget = config.budget;
  // the file-size ratio counts the model as the user gave it; everything else sees it with its BatchNormalization folded or balanced
  const originalBytes = input.params.reduce((s, p) => s + p.values.length * 4, 0);
  input = prepareBatchNorm(input, config);
  const validation = data.validation && data.validation.count > 0 ? data.validation : undefined;
  const task = data.task;
  const reference = validation ? await evaluationOn(validation, { data: input }, task) : undefined;
  const refs = reference ? reference.outputs.map((o) => o.value) : [NaN];
  const metrics = reference ? reference.outputs.map((o) => o.metric) : ['error'];
  // the error rises by points; MSE, MAE and metrics of one's own by a share of themselves
  const limits = refs.map((r, k) => {
    const inc = metrics[k] === 'error' ? budget.maxErrorIncrease : budget.maxLossIncrease;
    return inc === null || !validation ? Infinity : metrics[k] === 'error' ? r + inc : r + Math.abs(r) * inc;
  });
  const [referenceError] = refs;
  const [limit] = limits;
  const checked = limits.some(Number.isFinite);
  const valuesOf = async (source: { data: RetrainedModel | PretrainedModel } | { bytes: Uint8Array }) => (validation ? (await evaluationOn(validation, source, task)).outputs.map((o) => o.value) : refs.map(() => NaN));
  const withinAll = (v: readonly number[]) => v.every((x, k) => !(x > limits[k]));
  /** How far over its budget a point's worst output is (<= 1 within): what orders points when none is within. */
  const worst = (p: BudgetPoint) => Math.max(...(p.validationOutputs ?? [p.validationError]).map((x, k) => (Number.isFinite(limits[k]) && limits[k] !== 0 ? x / limits[k] : x)));
  const points: BudgetPoint[] = [];
  const candidates: { model: QuantizedModel; encoded: EncodedSws }[] = [];
  /** The tensors the finer-values fallback fits (their non-zero share is what its points report). */
  let finerNames: ReadonlySet<string> = new Set();

  /** Encode a candidate, evaluate the decoded file, record the point. */
  const measure = async (model: QuantizedModel, meta: Pick<BudgetPoint, 'tau' | 'pi0' | 'retrainEpochs' | 'rule' | 'floatValidationError' | 'pruned' | 'tolerance' | 'tuned' | 'storage'>, measured?: { encoded: EncodedSws; values: readonly number[] }): Promise<BudgetPoint> => {
    const encoded = measured?.encoded ?? encodeSws(model, context.encode);
    const values = measured?.values ?? (await valuesOf({ bytes: encoded.bytes }));
    const validationError = values[0];
    let nonzero = 0;
    let weights = 0;
    if (meta.tolerance !== undefined) {
      // a finer-values file: every tensor under the prior, whether on shared values or (too fine for 255) in float16
      for (const p of model.params) {
        if (!finerNames.has(p.name)) continue;
        weights += p.values.length;
        for (const v of p.values) if (v !== 0) nonzero++;
      }
    } else {
      for (const q of weightTensors(model)) {
        weights += q.codes.length;
        for (const c of q.codes) if (c !== 0) nonzero++; // code 0 is the shared value 0
      }
    }
    const point: BudgetPoint = {
      ...meta,
      validationError,
      ...(values.length > 1 ? { validationOutputs: values } : {}),
      nonzeroFraction: weights > 0 ? nonzero / weights : 0,
      fileBytes: encoded.bytes.length,
      fileRatio: originalBytes / encoded.bytes.length,
      withinBudget: withinAll(values),
    };
    points.push(point);
    candidates.push({ model, encoded });
    // one `point` event per file measured: the search's own progress, beside the stages' epochs
    context.progress?.emit({
      stage: 'budget',
      unit: 'point',
      current: points.length,
      values: { ...(meta.tau === undefined ? {} : { tau: meta.tau }), ...(meta.pi0 === undefined ? {} : { pi0: meta.pi0 }), validationError, limit, fileRatio: point.fileRatio, nonzeroFraction: point.nonzeroFraction, withinBudget: point.withinBudget ? 1 : 0 },
      ...(meta.tolerance !== undefined ? { phase: `finer values ${+meta.tolerance.toPrecision(3)}${meta.tuned ? ' tuned' : ''}` } : meta.rule === undefined ? {} : { phase: meta.pruned ? `${meta.rule} pruned` : meta.rule }),
    });
    return point;
  };

  const teacher = () => input;
  checkInput(config, input);
  if (config.sparsify) {
    // input has had its BatchNormalization prepared above: not a second time
    await measure(await run(of(input).pipe(compressionPipeline(data, { ...config, foldBatchNorm: false, balanceBatchNorm: false }, context))), {});
  } else {
    let state: TrainingState | undefined;
    /**
     * The points of one retrained state: the configured quantisation; when it falls off the
     * cliff (file over the budget, float model within it), rule 'ml' on the same weights,
     * and if that is over too, prune-and-recover: `epochs` more epochs of the same
     * retraining with the zero component's weights set to 0 after the first and held there,
     * so the rest learn to do without them (retrain's `pruneAfterEpoch`), then quantised.
     */
    type RetrainOptions = PipelineConfig['retrain'];
    /** The latest float retrained model that kept the budget (what the finer-values fallback starts from). */
    let floatKept: { model: RetrainedModel; meta: Pick<BudgetPoint, 'tau' | 'pi0' | 'retrainEpochs' | 'floatValidationError'> } | undefined;
    /** The tensors the retraining put under the prior (what the fallback fits when it starts from the pretrained model). */
    let underPrior: readonly string[] = [];
    /** `budget.epochs` more epochs of a retraining state (weights, mixture, optimizer moments, generator) under `base`, with no warm-up. */
    const continuation = (from: TrainingState, base: RetrainOptions): { options: RetrainOptions; resumeFrom: TrainingState } => {
      const options = retrain.schema.parse({ ...base, epochs: budget.epochs, warmupEpochs: 0, finalTau: undefined });
      return { options, resumeFrom: { ...from, epoch: 0, step: 0, partial: undefined, options, examples: from.examples } };
    };
    const pointsOf = async (retrained: RetrainedModel, base: RetrainOptions, retrainEpochs: number): Promise<{ within: boolean; cliff: boolean }> => {
      const { tau } = base;
      const pi0 = base.prior.pi0;
      const floatValues = validation ? await valuesOf({ data: retrained }) : undefined;
      const floatValidationError = floatValues?.[0];
      const cliff = floatValues !== undefined && withinAll(floatValues);
      underPrior = retrained.underPrior;
      if (cliff) floatKept = { model: retrained, meta: { tau, pi0, retrainEpochs, floatValidationError } };
      const quantised = async (m: RetrainedModel, rule: 'map' | 'ml', meta: Partial<BudgetPoint>) => {
        const model = await run(of(m).pipe(afterRetraining(data, { ...config, quantize: { ...config.quantize, rule } }, context, teacher)));
        return measure(model, { tau, pi0, retrainEpochs, rule, floatValidationError, ...meta });
      };
      const p = await quantised(retrained, config.quantize.rule, {});
      if (p.withinBudget || !cliff || !budget.repairCliff || stopped()) return { within: p.withinBudget, cliff: cliff && !p.withinBudget };
      if (config.quantize.rule === 'map' && (await quantised(retrained, 'ml', {})).withinBudget) return { within: true, cliff: false };
      if (state === undefined || stopped()) return { within: false, cliff: true };
      const { options, resumeFrom } = continuation(state, { ...base, pruneAfterEpoch: 1 });
      const progress = phased(context.progress, `tau ${+tau.toPrecision(3)} pruned`);
      const pruned = await run(of(input).pipe(retrain(data, options, { progress, resumeFrom })));
      const prunedFloat = validation ? (await valuesOf({ data: pruned }))[0] : undefined;
      const within = (await quantised(pruned, config.quantize.rule, { pruned: true, retrainEpochs: retrainEpochs + budget.epochs, floatValidationError: prunedFloat })).withinBudget;
      return { within, cliff: !within };
    };
    const first = await run(
      of(input).pipe(
        retrain(data, config.retrain, {
          ...context,
          onCheckpoint: (s) => {
            state = s;
            return context.onCheckpoint?.(s);
          },
        }),
        tap((m) => context.onRetrained?.(m)),
      ),
    );
    const smallestWithin = () => Math.min(...points.filter((p) => p.withinBudget).map((p) => p.fileBytes));
    // the retraining the path is on: tau moves, and pi0 when the cliff is what breaks the budget
    let base: RetrainOptions = config.retrain;
    let epochs = config.retrain.epochs;
    const firstPoint = await pointsOf(first, base, epochs);
    const up = firstPoint.within;
    let cliff = firstPoint.cliff;
    for (let step = 1; step <= budget.steps && state !== undefined && !stopped() && checked; step++) {
      let next: RetrainedModel;
      if (up) {
        // a stronger prior: continue the last state (weights, mixture, optimizer moments, generator) at the new tau, with no warm-up
        base = { ...base, tau: base.tau * budget.factor };
        epochs += budget.epochs;
        const { options, resumeFrom } = continuation(state, base);
        const progress = phased(context.progress, `tau ${+base.tau.toPrecision(3)}`);
        next = await run(of(input).pipe(retrain(data, options, { progress, resumeFrom, onCheckpoint: (s) => void (state = s) })));
      } else {
        // down the path, from the pretrained weights (continuing a collapsed state leaves its
        // zeros where they are, measured: docs/RESULTS.md). When the float model kept the
        // budget and its files did not (the cliff survived its repairs), the zero component
        // is what takes too much: start it smaller (pi0); else the prior is too strong (tau).
        base = cliff ? { ...base, prior: { ...base.prior, pi0: 1 - Math.min(0.5, (1 - base.prior.pi0) * budget.pi0Factor) } } : { ...base, tau: base.tau / budget.factor };
        epochs = config.retrain.epochs;
        const options = retrain.schema.parse(base);
        const progress = phased(context.progress, cliff ? `pi0 ${+base.prior.pi0.toPrecision(3)}` : `tau ${+base.tau.toPrecision(3)}`);
        next = await run(of(input).pipe(retrain(data, options, { progress, onCheckpoint: (s) => void (state = s) })));
      }
      const before = smallestWithin();
      const r = await pointsOf(next, base, epochs);
      cliff = r.cliff;
      if (r.within !== up) break; // crossed the budget: the path's further points are on the wrong side
      // up the path, a point that did not shrink the smallest file by `minGain` ends it: once
      // the retraining has collapsed its zeros stay put (LeNet-5-Caffe: 16 bytes for 20 epochs)
      if (up && smallestWithin() > before * (1 - budget.minGain)) break;
    }
    // the last resort when no file kept the budget: the latest float retrained model that
    // did (else the pretrained one, which does by definition), its tensors under the prior
    // each on k-means shared values of its own, as few as keep the budget
    if (budget.finerValues && checked && !points.some((p) => p.withinBudget) && !stopped()) {
      const { model, meta }: { model: ModelData; meta: Pick<BudgetPoint, 'tau' | 'pi0' | 'retrainEpochs' | 'floatValidationError'> } = floatKept ?? { model: input, meta: { floatValidationError: referenceError } };
      const prior = new Set(floatKept?.model.underPrior ?? underPrior);
      const fits = new Map([...tensorFits(model).entries()].filter(([name]) => prior.has(name)));
      finerNames = prior;
      const tried = new Map<number, BudgetPoint>();
      const loosest = await loosestWithin(async (i) => {
        if (stopped()) throw new SoftshareError('E_CANCELLED', 'pipeline', 'the search was stopped');
        let p = tried.get(i);
        if (!p) tried.set(i, (p = await measure(applyFits(model, fits, TOLERANCES[i]), { ...meta, tolerance: TOLERANCES[i] })));
        return p.withinBudget;
      });
      // then looser tolerances through the tuning every file of the prior's gets, while the tuned file keeps the budget
      for (let i = (loosest ?? 0) - 1; loosest !== undefined && i >= 0 && !stopped(); i--) {
        const tuned = await run(of(applyFits(model, fits, TOLERANCES[i])).pipe(finishing(data, config, context, teacher)));
        if (!(await measure(tuned, { ...meta, tolerance: TOLERANCES[i], tuned: true })).withinBudget) break;
      }
    }
  }
  if (stopped()) throw new SoftshareError('E_CANCELLED', 'pipeline', 'the search was stopped');
  const inBudget = points.map((p, k) => [p, k] as const).filter(([p]) => p.withinBudget);
  let chosen =
    inBudget.length > 0
      ? inBudget.reduce((a, b) => (b[0].fileBytes < a[0].fileBytes ? b : a))[1]
      : points.reduce((best, p, k) => (worst(p) < worst(points[best]) || (worst(p) === worst(points[best]) && p.fileBytes < points[best].fileBytes) ? k : best), 0);
  // the last kilobytes, on the chosen file only and only within the budget: a point of its own when it made the file smaller
  if (budget.storage && validation && points[chosen].withinBudget) {
    const from = points[chosen];
    const reached = from.validationOutputs ?? [from.validationError];
    const stored = await storeByWorth(candidates[chosen].model, reached, (bytes) => valuesOf({ bytes }), context.encode, budget.storage);
    if (stopped()) throw new SoftshareError('E_CANCELLED', 'pipeline', 'the search was stopped');
    if (stored.encoded.bytes.length < from.fileBytes) {
      const { tau, pi0, retrainEpochs, rule, floatValidationError, pruned, tolerance, tuned } = from;
      await measure(stored.model, { tau, pi0, retrainEpochs, rule, floatValidationError, pruned, tolerance, tuned, storage: stored.choice }, stored);
      chosen = points.length - 1;
    }
  }
  return {
    model: candidates[chosen].model,
    encoded: candidates[chosen].encoded,
    candidates,
    budget: {
      metric: metrics[0],
      referenceError,
      maxErrorIncrease: budget.maxErrorIncrease,
      maxLossIncrease: budget.maxLossIncrease,
      limit,
      ...(refs.length > 1 ? { outputs: reference!.outputs.map((o, k) => ({ name: o.name, metric: o.metric, reference: refs[k], limit: limits[k] })) } : {}),
      held: points[chosen].withinBudget,
      points,
      chosen,
    },
  };
}
