import * as tf from '@tensorflow/tfjs';
import { Rng, SoftshareError, type Diagnostic, type ParamRole, type PretrainedModel, type RetrainedModel } from '@softshare/core';
import { epochOrder, makeBatch, takeFirst, type ImageDataset } from '@softshare/data';
import { crossEntropy, evaluate, fromModelData, inputShapeFor, logitsFn, toModelData } from '@softshare/models';
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
import { ADAM, scheduleFactor } from '@softshare/train';
import { createMixtureAdam, mixtureAdamStep, pi0AdamStep, type MixtureAdamState } from './mixture-adam.js';
import type { RetrainOptions } from './retrain-options.js';
import { copyMixtureState, type TrainingState } from './training-state.js';

/** Figures reported after each epoch. */
export interface RetrainEpoch {
  readonly epoch: number;
  readonly epochs: number;
  /** Mean cross-entropy over the epoch. */
  readonly errorLoss: number;
  /** tau / N * (-sum log p(w) - log hyper-prior) at the epoch's end, with the full (not warming-up) tau. */
  readonly complexityLoss: number;
  /** Test error (NaN when not evaluated this epoch). */
  readonly testError: number;
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
 * Retrain a network under a Gaussian-mixture prior (soft weight-sharing): minimise
 * mean CE + tau / N * (-sum_i log p(w_i) - log hyper-prior) with Adam on the weights and
 * on the mixture, tau warmed up linearly. The prior's gradient is hand-written
 * (never autodiff through logSumExp).
 */
export async function runRetraining(
  input: PretrainedModel,
  dataset: ImageDataset,
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
  const optimizers: tf.Optimizer[] = [];
  let priorWorker: PriorWorker | null = null;
  // after options.pruneAfterEpoch: 1 where a prior weight may move, 0 where it is held at 0
  let masks: tf.Tensor[] | null = null;
  try {
    const shape = inputShapeFor(model, data.train);
    const forward = logitsFn(model);
    const roles = new Map(input.params.map((p) => [p.name, p.role]));
    const vars: Var[] = model.trainableWeights.map((w) => {
      const variable = w.read() as tf.Variable;
      const name = w.originalName ?? w.name;
      return { variable, name, shape: [...w.shape] as number[], underPrior: underPrior(roles.get(name), options.prior.tensors) };
    });
    const priorVars = vars.filter((v) => v.underPrior);
    if (priorVars.length === 0) {
      throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'retrain', `Expected at least one kernel tensor to put under the prior, got none (tensors: ${vars.map((v) => v.name).join(', ')})`);
    }
    for (const v of vars) if (!v.underPrior) diag({ severity: 'info', stage: 'retrain', layer: v.name, message: 'not under the prior (prior.tensors = kernels); kept as trained' });
    const scales = tauScales(options.tauScale, priorVars.map((v) => v.name));
    const evaluatePriorFn = options.prior.evaluation === 'grid' ? evaluatePriorGridded : evaluatePrior;
    const N = data.train.count;
    const stepsPerEpoch = Math.ceil(N / options.batchSize);
    const warmupSteps = options.warmupEpochs * stepsPerEpoch;
    const totalSteps = options.epochs * stepsPerEpoch;

    let params: MixtureParams;
    let madam: MixtureAdamState;
    let rng: Rng;
    let epoch: number;
    let lrScale: number;
    let recoveries: number;
    let optimizer: tf.Optimizer;
    // where a checkpoint taken mid-epoch resumes: batches done and the epoch's loss sums
    let startStep = 0;
    let startPartial = { ceSum: 0, seen: 0 };
    const setMasks = (keep: ((values: Float32Array) => Uint8Array) | null) => {
      tf.dispose(masks ?? []);
      masks = keep && priorVars.map((v) => tf.keep(tf.tensor(keep(v.variable.dataSync() as Float32Array), v.shape, 'float32')));
    };
    const applyMasks = () => {
      if (masks) priorVars.forEach((v, k) => v.variable.assign(v.variable.mul(masks![k])));
    };

    const newOptimizer = () => {
      const o = tf.train.adam(options.learningRates.weights * lrScale, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
      optimizers.push(o);
      return o;
    };
    const restore = async (s: TrainingState, recovery = false) => {
      if (s.weights.length !== vars.length || s.weights.some((w, i) => w.values.length !== vars[i].variable.size)) {
        throw new SoftshareError('E_MODEL_INCOMPATIBLE', 'retrain', 'Expected a checkpoint of this model, got one whose weights differ in number or size');
      }
      tf.tidy(() => s.weights.forEach((w, i) => vars[i].variable.assign(tf.tensor(w.values, vars[i].shape))));
      // held weights are exactly the zeros of a pruned state (a trained weight is never exactly 0 in practice)
      setMasks(options.pruneAfterEpoch !== undefined && s.epoch >= options.pruneAfterEpoch ? (w) => Uint8Array.from(w, (x) => (x !== 0 ? 1 : 0)) : null);
      ({ mixture: params, mixtureAdam: madam } = copyMixtureState(s.mixture, s.mixtureAdam));
      rng = new Rng(s.rng);
      epoch = s.epoch;
      startStep = recovery ? 0 : (s.step ?? 0);
      startPartial = recovery ? { ceSum: 0, seen: 0 } : (s.partial ?? { ceSum: 0, seen: 0 });
      // a recovery keeps counting from the current run, not from the restored state
      lrScale = recovery ? lrScale! / 2 : s.lrScale;
      recoveries = recovery ? recoveries! + 1 : s.recoveries;
      optimizer = newOptimizer();
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
    };
    const capture = async (): Promise<TrainingState> => {
      const saved = await optimizer.getWeights();
      const opt = saved.map((w) => ({ name: w.name, shape: [...w.tensor.shape], values: Float32Array.from(w.tensor.dataSync()) }));
      tf.dispose(saved[0].tensor); // the iterations scalar is created for us; the moments are the optimizer's own
      const acc = optimizer as unknown as Record<string, tf.Variable | undefined>;
      for (const k of ['accBeta1', 'accBeta2']) {
        const v = acc[k];
        if (v) opt.push({ name: ACC_BETA + k, shape: [], values: Float32Array.from(v.dataSync()) });
      }
      return {
        epoch,
        weights: vars.map((v) => ({ name: v.name, shape: v.shape, values: Float32Array.from(v.variable.dataSync()) })),
        optimizer: opt,
        ...copyMixtureState(params, madam),
        rng: rng.state,
        lrScale,
        recoveries,
      };
    };

    if (hooks.resumeFrom) {
      await restore(hooks.resumeFrom);
    } else {
      params = initMixture(options.prior, priorVars.map((v) => v.variable.dataSync() as Float32Array));
      madam = createMixtureAdam(options.prior.components);
      rng = new Rng(options.seed);
      epoch = 0;
      lrScale = 1;
      recoveries = 0;
      optimizer = newOptimizer();
    }
    if (options.prior.evaluation === 'grid' && options.priorThread === 'worker') {
      try {
        priorWorker = await createPriorWorker(priorVars.map((v) => v.variable.size), params!.means.length, scales);
      } catch (e) {
        // same numbers on this thread, only slower
        diag({ severity: 'warning', stage: 'retrain', message: `prior worker thread unavailable (${(e as Error).message}); evaluating the prior on the main thread` });
      }
    }
    const gradBuffers = priorWorker ? priorWorker.grads : priorVars.map((v) => new Float32Array(v.variable.size));
    let lastGood = await capture();

    while (epoch! < options.epochs) {
      const t0 = performance.now();
      let { ceSum, seen } = startPartial;
      let diverged = false;
      const epochRng = rng!.state;
      const batches = epochOrder(N, options.batchSize, rng!);
      for (let s = startStep; s < batches.length; s++) {
        if (hooks.isCancelled?.()) {
          // keep the work done so far: a checkpoint that resumes at this very batch
          if (hooks.onCheckpoint) await hooks.onCheckpoint({ ...(await capture()), rng: epochRng, step: s, partial: { ceSum, seen } });
          throw new SoftshareError('E_CANCELLED', 'retrain', `Retraining cancelled in epoch ${epoch! + 1} after ${s} batches`);
        }
        const globalStep = epoch! * stepsPerEpoch + s;
        const tauNow = tauAt(options, globalStep, warmupSteps, totalSteps);
        const scale = tauNow / N;
        const lrNow = lrScale! * scheduleFactor(options.schedule, globalStep, warmupSteps, totalSteps);
        (optimizer! as unknown as { learningRate: number }).learningRate = options.learningRates.weights * lrNow;
        const batch = makeBatch(data.train, batches[s], data.numClasses);
        const ce = tf.tidy(() => {
          const x = tf.tensor(batch.x, [batch.size, ...shape]);
          const y = tf.tensor2d(batch.y, [batch.size, data.numClasses]);
          // the prior only needs this step's weights: on a worker it runs during the network's pass
          if (priorWorker) {
            priorVars.forEach((v, k) => priorWorker!.weights[k].set(v.variable.dataSync() as Float32Array));
            priorWorker.start(params!, scale);
          }
          const { value, grads } = tf.variableGrads(() => crossEntropy(forward(x, true), y), vars.map((v) => v.variable));
          const prior = priorWorker
            ? priorWorker.finish()
            : evaluatePriorFn(params!, priorVars.map((v) => v.variable.dataSync() as Float32Array), gradBuffers, scale, false, scales);
          priorVars.forEach((v, k) => {
            grads[v.variable.name] = grads[v.variable.name].add(tf.tensor(gradBuffers[k], v.shape));
          });
          const loss = value.dataSync()[0];
          if (Number.isFinite(loss)) {
            optimizer!.applyGradients(grads);
            applyMasks();
            gammaHyperPrior(params!, options.prior, prior.grads.gammas);
            for (const k of ['means', 'gammas', 'rhos'] as const) prior.grads[k].forEach((g, j, a) => (a[j] = g * scale));
            const lr = options.learningRates;
            mixtureAdamStep(params!, prior.grads, madam!, { means: lr.means * lrNow, gammas: lr.gammas * lrNow, rhos: lr.rhos * lrNow });
            if (options.prior.pi0Prior) pi0AdamStep(params!, pi0Gradient(params!, prior.mass, options.prior).grad * scale, madam!, lr.rhos * lrNow);
            clampGammas(params!, options.prior.varianceFloor);
          }
          return loss;
        });
        const mixtureOk = params!.means.every(Number.isFinite) && params!.gammas.every(Number.isFinite) && params!.rhos.every(Number.isFinite);
        if (!Number.isFinite(ce) || !mixtureOk) {
          diverged = true;
          break;
        }
        ceSum += ce * batch.size;
        seen += batch.size;
        hooks.onStep?.(s + 1, batches.length);
        await new Promise((r) => setImmediate(r)); // let unsubscribe and signals through between batches
      }
      startStep = 0;
      startPartial = { ceSum: 0, seen: 0 };
      if (diverged) {
        if (recoveries! >= options.maxRecoveries) {
          throw new SoftshareError('E_DIVERGED', 'retrain', `Loss became NaN/Inf in epoch ${epoch! + 1} after ${recoveries!} recoveries; lower the learning rates or tau`);
        }
        await restore(lastGood, true);
        diag({ severity: 'warning', stage: 'retrain', message: `NaN/Inf loss in epoch ${epoch! + 1}: restored the state after epoch ${lastGood.epoch} and halved the learning rates (x${lrScale!})` });
        continue;
      }
      epoch = epoch! + 1;
      if (epoch === options.pruneAfterEpoch && !masks) {
        const mixture = toMixture(params!);
        let held = 0;
        setMasks((w) => Uint8Array.from(assignComponents(mixture, w), (c) => (c === 0 ? (held++, 0) : 1)));
        tf.tidy(applyMasks);
        diag({ severity: 'info', stage: 'retrain', message: `pruneAfterEpoch: ${held} weights of the zero component set to 0 after epoch ${epoch} and held there` });
      }
      const tauEnd = tauAt(options, Math.max(epoch * stepsPerEpoch - 1, warmupSteps), warmupSteps, totalSteps); // the full tau during warm-up
      const ws = priorVars.map((v) => v.variable.dataSync() as Float32Array);
      const exact = evaluatePrior(params!, ws, null, 1, true, scales);
      const value = exact.negLogP + gammaHyperPrior(params!, options.prior) + pi0Gradient(params!, exact.mass, options.prior).hyperValue;
      const mixture = toMixture(params!);
      let zeros = 0;
      let total = 0;
      for (const w of ws) {
        for (const c of assignComponents(mixture, w)) if (c === 0) zeros++;
        total += w.length;
      }
      const testError = options.evalEvery > 0 && (epoch % options.evalEvery === 0 || epoch === options.epochs) ? evaluate(model, data.test).error : NaN;
      hooks.onEpoch?.({
        epoch,
        epochs: options.epochs,
        errorLoss: ceSum / seen,
        complexityLoss: (tauEnd / N) * value,
        testError,
        zeroShare: zeros / total,
        tau: tauEnd,
        seconds: (performance.now() - t0) / 1000,
        mixture: { means: Array.from(mixture.means), stds: Array.from(mixture.variances, Math.sqrt), proportions: Array.from(mixture.proportions) },
      });
      lastGood = await capture();
      await hooks.onCheckpoint?.(lastGood);
    }
    const out = toModelData(model);
    return {
      kind: 'retrained',
      topology: out.topology,
      params: out.params,
      diagnostics,
      mixture: toMixture(params!),
      underPrior: priorVars.map((v) => v.name),
    };
  } finally {
    await priorWorker?.close();
    optimizers.forEach((o) => o.dispose());
    tf.dispose(masks ?? []);
    model.dispose();
  }
}
