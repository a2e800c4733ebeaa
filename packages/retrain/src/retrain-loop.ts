import * as tf from '@tensorflow/tfjs';
import { Rng, SoftshareError, type Diagnostic, type ParamRole, type PretrainedModel, type RetrainedModel } from '@softshare/core';
import { makeBatch, takeFirst, type Dataset } from '@softshare/data';
import { evaluate, freezeBatchNorm, fromModelData, inputShapesFor, inputTensors, resolveTask, toModelData } from '@softshare/models';
import {
  assignComponents,
  clampGammas,
  createPriorWorker,
  evaluatePrior,
  evaluatePriorGridded,
  gammaHyperPrior,
  initMixture,
  pi0Gradient,
  toMixture,
  type MixtureParams,
  type PriorWorker,
} from '@softshare/prior';
import { ADAM, runEpochs, scheduleFactor } from '@softshare/train';
import { createMixtureAdam, mixtureAdamStep, pi0AdamStep, type MixtureAdamState } from './mixture-adam.js';
import type { RetrainOptions } from './retrain-options.js';
import { copyMixtureState, resumeMismatch, type TrainingState } from './training-state.js';

/** Figures reported after each epoch. */
export interface RetrainEpoch {
  readonly epoch: number;
  readonly epochs: number;
  /** Mean cross-entropy over the epoch. */
  readonly errorLoss: number;
  /** tau / N * (-sum log p(w) - log hyper-prior) at the epoch's end, with the full (not warming-up) tau. */
  readonly complexityLoss: number;
  /** Validation error; absent when the data has no validation split or this epoch was not evaluated. The test split is never looked at during a run. */
  readonly validationError?: number;
  /** Share of prior weights whose most responsible component is the zero one. */
  readonly zeroShare: number;
  readonly tau: number;
  readonly seconds: number;
  readonly mixture: { means: number[]; stds: number[]; proportions: number[] };
}

export interface RetrainHooks {
  readonly onEpoch?: (e: RetrainEpoch) => void;
  readonly onStep?: (step: number, steps: number) => void;
  /** Called with the full state after each epoch (write a checkpoint here). */
  readonly onCheckpoint?: (s: TrainingState) => void | Promise<void>;
  /** Continue from a checkpoint instead of starting fresh. */
  readonly resumeFrom?: TrainingState;
  /** Polled before every batch; true stops the run with E_CANCELLED. */
  readonly isCancelled?: () => boolean;
  readonly onDiagnostic?: (d: Diagnostic) => void;
}

interface Var {
  readonly variable: tf.Variable;
  readonly name: string;
  readonly shape: number[];
  readonly underPrior: boolean;
}

/** What moves during a retraining besides the model's weights and the example-order rng. */
interface RunState {
  readonly params: MixtureParams;
  readonly madam: MixtureAdamState;
  /** Epochs completed. */
  epoch: number;
  /** Factor on every learning rate; the divergence guard halves it. */
  readonly lrScale: number;
  readonly recoveries: number;
  readonly optimizer: tf.Optimizer;
  /** The running epoch's loss sums (restored from a mid-epoch checkpoint). */
  sums: { ceSum: number; seen: number };
  /** When the running epoch began. */
  t0: number;
}

/** Prefix of the extra optimizer entries holding Adam's running beta powers. */
const ACC_BETA = '__softshare/';

/**
 * options.tauScale as one multiplier per prior tensor (null when none is given): a key
 * names a tensor ("conv2/kernel") or a scope of it ("conv2"); the longest match wins.
 */
export function tauScales(tauScale: Readonly<Record<string, number>>, names: readonly string[]): number[] | null {
  const keys = Object.keys(tauScale);
  const matches = (key: string, name: string) => name === key || name.startsWith(key + '/');
  for (const key of keys) {
    if (!names.some((n) => matches(key, n))) {
      throw new SoftshareError('E_OPTIONS', 'retrain', `tauScale: "${key}" names no tensor under the prior (they are: ${names.join(', ')})`);
    }
  }
  if (keys.length === 0) return null;
  return names.map((n) => {
    const best = keys.filter((k) => matches(k, n)).sort((a, b) => b.length - a.length)[0];
    return best === undefined ? 1 : tauScale[best];
  });
}

/** tau at a step: linear warm-up from 0, then constant or linear towards finalTau. */
export function tauAt(options: Pick<RetrainOptions, 'tau' | 'finalTau'>, step: number, warmupSteps: number, totalSteps: number): number {
  if (step < warmupSteps) return options.tau * ((step + 1) / warmupSteps);
  if (options.finalTau === undefined || totalSteps <= warmupSteps + 1) return options.tau;
  return options.tau + (options.finalTau - options.tau) * ((step - warmupSteps) / (totalSteps - 1 - warmupSteps));
}

/** Whether a tensor goes under the prior: by its role (ParamTensor.role), never its name. */
function underPrior(role: ParamRole | undefined, which: 'kernels' | 'all'): boolean {
  return which === 'all' || role === 'kernel';
}

/**
 * Which tensors `prior.include` / `prior.exclude` let under the prior: each entry names a
 * tensor ('fc3/kernel'), a layer ('fc3') or a layer class ('Dense'). An entry that matches
 * nothing is a typo: one coded line naming what there is.
 */
function layerSelection(model: tf.LayersModel, include: readonly string[] | undefined, exclude: readonly string[]): (tensor: string) => boolean {
  const classOf = new Map(model.layers.map((l) => [l.name, l.getClassName()]));
  const tensors = model.weights.map((w) => w.originalName ?? w.name);
  const matches = (entry: string, tensor: string) => {
    const layer = tensor.slice(0, tensor.lastIndexOf('/'));
    return entry === tensor || entry === layer || entry === classOf.get(layer);
  };
  for (const [key, list] of [['include', include ?? []], ['exclude', exclude]] as const) {
    for (const e of list) {
      if (!tensors.some((t) => matches(e, t))) throw new SoftshareError('E_OPTIONS', 'retrain', `prior.${key} names "${e}", which is no tensor, layer or layer class of this model (layers: ${model.layers.map((l) => `${l.name} (${l.getClassName()})`).join(', ')})`);
    }
  }
  return (t) => (include === undefined || include.some((e) => matches(e, t))) && !exclude.some((e) => matches(e, t));
}

/**
 * Retrain a network under a Gaussian-mixture prior (soft weight-sharing): minimise
 * mean CE + tau / N * (-sum_i log p(w_i) - log hyper-prior) with Adam on the weights and
 * on the mixture, tau warmed up linearly. The prior's gradient is hand-written
 * (never autodiff through logSumExp).
 */
export async function runRetraining(
  input: PretrainedModel,
  dataset: Dataset,
  options: RetrainOptions,
  hooks: RetrainHooks = {},
): Promise<RetrainedModel> {
  const data = options.trainLimit ? { ...dataset, train: takeFirst(dataset.train, options.trainLimit) } : dataset;
  const model = await fromModelData(input);
  const diagnostics: Diagnostic[] = [...input.diagnostics];
  const diag = (d: Diagnostic) => {
    diagnostics.push(d);
    hooks.onDiagnostic?.(d);
  };
  const frozen = freezeBatchNorm(model);
  if (frozen.length > 0) diag({ severity: 'info', stage: 'retrain', message: `BatchNormalization ${frozen.join(', ')} held at ${frozen.length === 1 ? 'its' : 'their'} pretrained statistics, gamma and beta while retraining` });
  const optimizers: tf.Optimizer[] = [];
  let priorWorker: PriorWorker | null = null;
  // after options.pruneAfterEpoch: 1 where a prior weight may move, 0 where it is held at 0
  let masks: tf.Tensor[] | null = null;
  try {
    const shapes = inputShapesFor(model, data.train);
    const task = resolveTask(model, data.train, data.task, data.numClasses);
    const roles = new Map(input.params.map((p) => [p.name, p.role]));
    const select = layerSelection(model, options.prior.include, options.prior.exclude);
    const vars: Var[] = model.trainableWeights.map((w) => {
      const variable = w.read() as tf.Variable;
      const name = w.originalName ?? w.name;
      return { variable, name, shape: [...w.shape] as number[], underPrior: underPrior(roles.get(name), options.prior.tensors) && select(name) };
    });
    const priorVars = vars.filter((v) => v.underPrior);
    if (priorVars.length === 0) {
      throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'retrain', `Expected at least one kernel tensor to put under the prior, got none (tensors: ${vars.map((v) => v.name).join(', ')})`);
    }
    for (const v of vars) if (!v.underPrior) diag({ severity: 'info', stage: 'retrain', layer: v.name, message: `not under the prior (${underPrior(roles.get(v.name), options.prior.tensors) ? 'prior.include / prior.exclude' : 'prior.tensors = kernels'}); kept as trained` });
    const scales = tauScales(options.tauScale, priorVars.map((v) => v.name));
    const evaluatePriorFn = options.prior.evaluation === 'grid' ? evaluatePriorGridded : evaluatePrior;
    const N = data.train.count;
    const stepsPerEpoch = Math.ceil(N / options.batchSize);
    const warmupSteps = options.warmupEpochs * stepsPerEpoch;
    const totalSteps = options.epochs * stepsPerEpoch;

    const rng = new Rng(options.seed);
    const setMasks = (keep: ((values: Float32Array) => Uint8Array) | null) => {
      tf.dispose(masks ?? []);
      masks = keep && priorVars.map((v) => tf.keep(tf.tensor(keep(v.variable.dataSync() as Float32Array), v.shape, 'float32')));
    };
    const applyMasks = () => {
      const held = masks;
      if (held) priorVars.forEach((v, k) => v.variable.assign(v.variable.mul(held[k])));
    };
    const newOptimizer = (lrScale: number) => {
      const o = tf.train.adam(options.learningRates.weights * lrScale, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
      optimizers.push(o);
      return o;
    };
    /** Everything that moves during the run besides the model's weights and `rng`. */
    let run: RunState;
    const restore = async (s: TrainingState, recovery: { lrScale: number; recoveries: number } | null = null): Promise<RunState> => {
      if (s.weights.length !== vars.length || s.weights.some((w, i) => w.values.length !== vars[i].variable.size)) {
        throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'retrain', 'Expected a checkpoint of this model, got one whose weights differ in number or size');
      }
      tf.tidy(() => s.weights.forEach((w, i) => vars[i].variable.assign(tf.tensor(w.values, vars[i].shape))));
      // held weights are exactly the zeros of a pruned state (a trained weight is never exactly 0 in practice)
      setMasks(options.pruneAfterEpoch !== undefined && s.epoch >= options.pruneAfterEpoch ? (w) => Uint8Array.from(w, (x) => (x !== 0 ? 1 : 0)) : null);
      const { mixture: params, mixtureAdam: madam } = copyMixtureState(s.mixture, s.mixtureAdam);
      rng.restore(s.rng);
      // a recovery keeps counting from the current run, not from the restored state
      const lrScale = recovery ? recovery.lrScale / 2 : s.lrScale;
      const optimizer = newOptimizer(lrScale);
      const moments = s.optimizer.filter((o) => !o.name.startsWith(ACC_BETA));
      if (moments.length > 0) {
        const named = moments.map((o) => ({ name: o.name, tensor: tf.tensor(o.values, o.shape) }));
        await optimizer.setWeights(named);
        tf.dispose(named.map((n) => n.tensor));
      }
      // tfjs recomputes beta^t with pow() in setWeights, while a running optimizer
      // multiplies it step by step: float32 rounding differs, so restore the exact values.
      const acc = optimizer as unknown as Record<string, tf.Variable | undefined>;
      for (const o of s.optimizer.filter((x) => x.name.startsWith(ACC_BETA))) tf.tidy(() => acc[o.name.slice(ACC_BETA.length)]?.assign(tf.scalar(o.values[0])));
      return { params, madam, epoch: s.epoch, lrScale, recoveries: recovery ? recovery.recoveries + 1 : s.recoveries, optimizer, sums: !recovery && s.partial ? { ...s.partial } : { ceSum: 0, seen: 0 }, t0: 0 };
    };
    const capture = async (): Promise<TrainingState> => {
      const saved = await run.optimizer.getWeights();
      const opt = saved.map((w) => ({ name: w.name, shape: [...w.tensor.shape], values: Float32Array.from(w.tensor.dataSync()) }));
      tf.dispose(saved[0].tensor); // the iterations scalar is created for us; the moments are the optimizer's own
      const acc = run.optimizer as unknown as Record<string, tf.Variable | undefined>;
      for (const k of ['accBeta1', 'accBeta2']) {
        const v = acc[k];
        if (v) opt.push({ name: ACC_BETA + k, shape: [], values: Float32Array.from(v.dataSync()) });
      }
      return {
        epoch: run.epoch,
        weights: vars.map((v) => ({ name: v.name, shape: v.shape, values: Float32Array.from(v.variable.dataSync()) })),
        optimizer: opt,
        ...copyMixtureState(run.params, run.madam),
        rng: rng.state,
        lrScale: run.lrScale,
        recoveries: run.recoveries,
        options,
        examples: N,
      };
    };

    if (hooks.resumeFrom) {
      const differs = resumeMismatch(hooks.resumeFrom, options, N);
      if (differs.length > 0) throw new SoftshareError('E_RESUME_MISMATCH', 'retrain', `Expected to resume with the checkpoint's options (only epochs, evalEvery, priorThread and maxRecoveries may change), got ${differs.join('; ')}`);
      if (hooks.resumeFrom.options === undefined) diag({ severity: 'warning', stage: 'retrain', message: 'the checkpoint predates recorded options: resumed without checking that they match' });
      run = await restore(hooks.resumeFrom);
    } else {
      run = {
        params: initMixture(options.prior, priorVars.map((v) => v.variable.dataSync() as Float32Array)),
        madam: createMixtureAdam(options.prior.components),
        epoch: 0,
        lrScale: 1,
        recoveries: 0,
        optimizer: newOptimizer(1),
        sums: { ceSum: 0, seen: 0 },
        t0: 0,
      };
    }
    if (options.prior.evaluation === 'grid' && options.priorThread === 'worker') {
      try {
        priorWorker = await createPriorWorker(priorVars.map((v) => v.variable.size), run.params.means.length, scales);
      } catch (e) {
        // same numbers on this thread, only slower
        diag({ severity: 'warning', stage: 'retrain', message: `prior worker thread unavailable (${(e as Error).message}); evaluating the prior on the main thread` });
      }
    }
    const worker = priorWorker;
    const gradBuffers = worker ? worker.grads : priorVars.map((v) => new Float32Array(v.variable.size));
    let lastGood = await capture();

    /** One step on the weights and the mixture; NaN when the loss or the mixture diverged. */
    const step = (indices: Int32Array, globalStep: number): number => {
      const { params, madam } = run;
      const tauNow = tauAt(options, globalStep, warmupSteps, totalSteps);
      const scale = tauNow / N;
      const lrNow = run.lrScale * scheduleFactor(options.schedule, globalStep, warmupSteps, totalSteps);
      (run.optimizer as unknown as { learningRate: number }).learningRate = options.learningRates.weights * lrNow;
      const batch = makeBatch(data.train, indices, task.classes);
      const ce = tf.tidy(() => {
        const x = inputTensors(batch, shapes);
        const ys = task.targets(batch.ys, batch.size);
        // the prior only needs this step's weights: on a worker it runs during the network's pass
        if (worker) {
          priorVars.forEach((v, k) => worker.weights[k].set(v.variable.dataSync() as Float32Array));
          worker.start(params, scale);
        }
        const { value, grads } = tf.variableGrads(() => task.loss(x, ys, true), vars.map((v) => v.variable));
        const prior = worker ? worker.finish() : evaluatePriorFn(params, priorVars.map((v) => v.variable.dataSync() as Float32Array), gradBuffers, scale, false, scales);
        priorVars.forEach((v, k) => {
          grads[v.variable.name] = grads[v.variable.name].add(tf.tensor(gradBuffers[k], v.shape));
        });
        const loss = value.dataSync()[0];
        if (Number.isFinite(loss)) {
          run.optimizer.applyGradients(grads);
          applyMasks();
          gammaHyperPrior(params, options.prior, prior.grads.gammas);
          for (const k of ['means', 'gammas', 'rhos'] as const) prior.grads[k].forEach((g, j, a) => (a[j] = g * scale));
          const lr = options.learningRates;
          mixtureAdamStep(params, prior.grads, madam, { means: lr.means * lrNow, gammas: lr.gammas * lrNow, rhos: lr.rhos * lrNow });
          if (options.prior.pi0Prior) pi0AdamStep(params, pi0Gradient(params, prior.mass, options.prior).grad * scale, madam, lr.rhos * lrNow);
          clampGammas(params, options.prior.varianceFloor);
        }
        return loss;
      });
      const mixtureOk = params.means.every(Number.isFinite) && params.gammas.every(Number.isFinite) && params.rhos.every(Number.isFinite);
      if (!Number.isFinite(ce) || !mixtureOk) return NaN;
      run.sums.ceSum += ce * batch.size;
      run.sums.seen += batch.size;
      return ce;
    };

    /** After an epoch: the pruning point, the figures, a checkpoint. */
    const endEpoch = async (epoch: number) => {
      run.epoch = epoch;
      const { sums } = run;
      run.sums = { ceSum: 0, seen: 0 };
      if (epoch === options.pruneAfterEpoch && !masks) {
        const mixture = toMixture(run.params);
        let held = 0;
        setMasks((w) => Uint8Array.from(assignComponents(mixture, w), (c) => (c === 0 ? (held++, 0) : 1)));
        tf.tidy(applyMasks);
        diag({ severity: 'info', stage: 'retrain', message: `pruneAfterEpoch: ${held} weights of the zero component set to 0 after epoch ${epoch} and held there` });
      }
      const tauEnd = tauAt(options, Math.max(epoch * stepsPerEpoch - 1, warmupSteps), warmupSteps, totalSteps); // the full tau during warm-up
      const ws = priorVars.map((v) => v.variable.dataSync() as Float32Array);
      const exact = evaluatePrior(run.params, ws, null, 1, true, scales);
      const value = exact.negLogP + gammaHyperPrior(run.params, options.prior) + pi0Gradient(run.params, exact.mass, options.prior).hyperValue;
      const mixture = toMixture(run.params);
      let zeros = 0;
      let total = 0;
      for (const w of ws) {
        for (const c of assignComponents(mixture, w)) if (c === 0) zeros++;
        total += w.length;
      }
      const validation = data.validation;
      const evaluated = validation && options.evalEvery > 0 && (epoch % options.evalEvery === 0 || epoch === options.epochs);
      hooks.onEpoch?.({
        epoch,
        epochs: options.epochs,
        errorLoss: sums.ceSum / sums.seen,
        complexityLoss: (tauEnd / N) * value,
        ...(evaluated ? { validationError: evaluate(model, validation, { task: data.task }).error } : {}),
        zeroShare: zeros / total,
        tau: tauEnd,
        seconds: (performance.now() - run.t0) / 1000,
        mixture: { means: Array.from(mixture.means), stds: Array.from(mixture.variances, Math.sqrt), proportions: Array.from(mixture.proportions) },
      });
      lastGood = await capture();
      await hooks.onCheckpoint?.(lastGood);
    };

    await runEpochs({
      stage: 'retrain',
      label: 'Retraining',
      epochs: options.epochs,
      count: N,
      batchSize: options.batchSize,
      rng,
      from: hooks.resumeFrom ? { epoch: hooks.resumeFrom.epoch, step: hooks.resumeFrom.step ?? 0 } : undefined,
      isCancelled: hooks.isCancelled,
      // keep the work done so far: a checkpoint that resumes at this very batch
      onCancel: async (at, rngBefore) => {
        if (hooks.onCheckpoint) await hooks.onCheckpoint({ ...(await capture()), rng: rngBefore, step: at.step, partial: { ...run.sums } });
      },
      beginEpoch: () => {
        run.t0 = performance.now();
      },
      batch: (indices, at) => step(indices, at.global),
      onStep: hooks.onStep,
      endEpoch,
      // the divergence guard: back to the last good epoch with halved learning rates
      onDiverged: async (at) => {
        if (run.recoveries >= options.maxRecoveries) {
          throw new SoftshareError('E_DIVERGED', 'retrain', `Loss became NaN/Inf in epoch ${at.epoch + 1} after ${run.recoveries} recoveries; lower the learning rates or tau`);
        }
        run = await restore(lastGood, run);
        diag({ severity: 'warning', stage: 'retrain', message: `NaN/Inf loss in epoch ${at.epoch + 1}: restored the state after epoch ${lastGood.epoch} and halved the learning rates (x${run.lrScale})` });
        return run.epoch;
      },
    });
    const out = toModelData(model);
    return {
      kind: 'retrained',
      topology: out.topology,
      params: out.params,
      diagnostics,
      mixture: toMixture(run.params),
      underPrior: priorVars.map((v) => v.name),
    };
  } finally {
    await priorWorker?.close();
    optimizers.forEach((o) => o.dispose());
    tf.dispose(masks ?? []);
    model.dispose();
  }
}
