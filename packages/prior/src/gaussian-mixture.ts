import type { Mixture } from '@softshare/core';
import type { PriorOptions } from './prior-options.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
/** Components whose log-term is this far below the best contribute < e^-40 of the mass: skipped. */
const NEGLIGIBLE = -40;

/**
 * The learnable parameters of the mixture, in the stable parameterisation: means,
 * log-precisions gamma = -log sigma^2, and logits rho of the free proportions.
 * Component 0 is the zero component: mean fixed at 0, proportion fixed at pi0.
 */
export interface MixtureParams {
  readonly means: Float64Array;
  readonly gammas: Float64Array;
  /** rhos[0] is unused (pi0 has its own entry). */
  readonly rhos: Float64Array;
  /** The zero component's proportion: fixed, or learned when options.pi0Prior is set. */
  pi0: number;
}

/** Gradients of a scalar with respect to MixtureParams (same layout). */
export interface MixtureGrads {
  readonly means: Float64Array;
  readonly gammas: Float64Array;
  readonly rhos: Float64Array;
}

/** Sum over weights of the negative log-density, and its gradients. */
export interface PriorEvaluation {
  /** -sum_i log p(w_i); NaN unless asked for (it costs a log per weight). */
  readonly negLogP: number;
  readonly grads: MixtureGrads;
  /** Responsibility mass per component, sum_i r_ij. */
  readonly mass: Float64Array;
}

/**
 * Initial mixture: free means spread evenly over [lo, hi] (the pretrained weights' range
 * by default), equal free proportions, every std = initialStd.
 *
 * @example
 * const params = initMixture(priorOptionsSchema.parse({}), [kernel1, kernel2]);
 */
export function initMixture(options: PriorOptions, weights: readonly Float32Array[]): MixtureParams {
  const J = options.components;
  let lo: number;
  let hi: number;
  if (options.meanInit === 'weight-range') {
    lo = Infinity;
    hi = -Infinity;
    for (const w of weights) for (let i = 0; i < w.length; i++) {
      if (w[i] < lo) lo = w[i];
      if (w[i] > hi) hi = w[i];
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo === hi) [lo, hi] = [-0.6, 0.6];
  } else {
    [lo, hi] = options.meanInit;
  }
  const means = new Float64Array(J);
  for (let j = 1; j < J; j++) means[j] = J === 2 ? (lo + hi) / 2 : lo + ((hi - lo) * (j - 1)) / (J - 2);
  const gammas = new Float64Array(J).fill(-Math.log(options.initialStd * options.initialStd));
  return { means, gammas, rhos: new Float64Array(J), pi0: options.pi0 };
}

/** Mixing proportions: pi0 for the zero component, (1 - pi0) * softmax(rho) for the rest (max-subtracted). */
export function proportions(params: MixtureParams): Float64Array {
  const J = params.means.length;
  const pi = new Float64Array(J);
  pi[0] = params.pi0;
  let max = -Infinity;
  for (let j = 1; j < J; j++) max = Math.max(max, params.rhos[j]);
  let sum = 0;
  for (let j = 1; j < J; j++) sum += Math.exp(params.rhos[j] - max);
  for (let j = 1; j < J; j++) pi[j] = ((1 - params.pi0) * Math.exp(params.rhos[j] - max)) / sum;
  return pi;
}

/** The mixture in plain terms (means, variances, proportions). */
export function toMixture(params: MixtureParams): Mixture {
  return {
    means: Float64Array.from(params.means),
    variances: params.gammas.map((g) => Math.exp(-g)),
    proportions: proportions(params),
  };
}

/** Clamp log-precisions so variances stay above the floor. */
export function clampGammas(params: MixtureParams, varianceFloor: number): void {
  const maxGamma = -Math.log(varianceFloor);
  for (let j = 0; j < params.gammas.length; j++) if (params.gammas[j] > maxGamma) params.gammas[j] = maxGamma;
}

/**
 * Per-component constants of the log-density: log(pi_j N(x | mu_j, 1/lambda_j)) =
 * (a_j x + b_j) x + c_j, and lambda_j itself.
 */
export function componentTerms(params: MixtureParams): { pi: Float64Array; lam: Float64Array; a: Float64Array; b: Float64Array; c: Float64Array } {
  const J = params.means.length;
  const pi = proportions(params);
  const lam = new Float64Array(J);
  const a = new Float64Array(J);
  const b = new Float64Array(J);
  const c = new Float64Array(J);
  for (let j = 0; j < J; j++) {
    const l = Math.exp(params.gammas[j]);
    const mu = params.means[j];
    lam[j] = l;
    a[j] = -0.5 * l;
    b[j] = l * mu;
    c[j] = Math.log(pi[j]) + 0.5 * params.gammas[j] - 0.5 * l * mu * mu - HALF_LOG_2PI;
  }
  return { pi, lam, a, b, c };
}

/**
 * Mixture-parameter gradients of -sum_i log p(w_i) from the responsibility statistics
 * R_j = sum r_ij, S1_j = sum r_ij (w_i - mu_j), S2_j = sum r_ij (w_i - mu_j)^2.
 */
export function fromStatistics(params: MixtureParams, lam: Float64Array, R: Float64Array, S1: Float64Array, S2: Float64Array, negLogP: number): PriorEvaluation {
  const J = params.means.length;
  const pi = proportions(params);
  const gMeans = new Float64Array(J);
  const gGammas = new Float64Array(J);
  const gRhos = new Float64Array(J);
  let Rfree = 0;
  for (let j = 1; j < J; j++) Rfree += R[j];
  for (let j = 0; j < J; j++) {
    if (j > 0) gMeans[j] = -lam[j] * S1[j];
    gGammas[j] = -0.5 * R[j] + 0.5 * lam[j] * S2[j];
    if (j > 0) gRhos[j] = -(R[j] - (pi[j] / (1 - params.pi0)) * Rfree);
  }
  return { negLogP, grads: { means: gMeans, gammas: gGammas, rhos: gRhos }, mass: R };
}

/**
 * -sum_i log p(w_i) over every weight in `tensors`, with the hand-written gradient for
 * each weight (written, times `gradScale`, into `weightGrads` when given) and for the
 * mixture parameters. One pass per weight: J quadratic log-terms, exp only for
 * components within e^-40 of the best one (most weights have 1-3 such components).
 * Log-terms are float64, so they cannot overflow for any float32 weight.
 * With `scales`, tensor t's terms count scales[t] times: its weights' gradients, its share
 * of the mixture statistics and of the value (a per-layer prior strength).
 */
export function evaluatePrior(
  params: MixtureParams,
  tensors: readonly Float32Array[],
  weightGrads: readonly Float32Array[] | null,
  gradScale = 1,
  wantValue = false,
  scales: readonly number[] | null = null,
): PriorEvaluation {
  const J = params.means.length;
  const { lam, a, b, c } = componentTerms(params);
  const R = new Float64Array(J);
  const S1 = new Float64Array(J);
  const S2 = new Float64Array(J);
  const lt = new Float64Array(J);
  let negLogP = 0;
  for (let t = 0; t < tensors.length; t++) {
    const w = tensors[t];
    const g = weightGrads ? weightGrads[t] : null;
    const st = scales ? scales[t] : 1;
    for (let i = 0; i < w.length; i++) {
      const x = w[i];
      let max = -Infinity;
      for (let j = 0; j < J; j++) {
        const v = (a[j] * x + b[j]) * x + c[j];
        lt[j] = v;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let j = 0; j < J; j++) {
        const d = lt[j] - max;
        if (d > NEGLIGIBLE) {
          const e = Math.exp(d);
          lt[j] = e;
          sum += e;
        } else {
          lt[j] = 0;
        }
      }
      const inv = 1 / sum;
      let gw = 0;
      for (let j = 0; j < J; j++) {
        const e = lt[j];
        if (e === 0) continue;
        const r = e * inv;
        const diff = x - params.means[j];
        gw += r * lam[j] * diff;
        R[j] += st * r;
        S1[j] += st * r * diff;
        S2[j] += st * r * diff * diff;
      }
      if (g) g[i] = gradScale * st * gw;
      if (wantValue) negLogP -= st * (max + Math.log(sum));
    }
  }
  return fromStatistics(params, lam, R, S1, S2, wantValue ? negLogP : NaN);
}

/**
 * -log of the Gamma hyper-priors on the precisions, up to a constant:
 * sum_j (1 - alpha_j) gamma_j + beta_j e^gamma_j; adds its gradient into `gGammas`.
 */
/**
 * For a learned pi0 (options.pi0Prior = [a, b]): the gradient, with respect to
 * z = logit(pi0), of -sum_i log p(w_i) - log Beta(pi0 | a, b), from the responsibility
 * mass per component (PriorEvaluation.mass), and the hyper-prior's value
 * -(a-1) log pi0 - (b-1) log(1-pi0). Returns zeros when pi0 is fixed.
 */
export function pi0Gradient(params: MixtureParams, mass: Float64Array, options: PriorOptions): { grad: number; hyperValue: number } {
  if (!options.pi0Prior) return { grad: 0, hyperValue: 0 };
  const [a, b] = options.pi0Prior;
  const pi0 = params.pi0;
  let total = 0;
  for (let j = 0; j < mass.length; j++) total += mass[j];
  // d log p / d pi0 = r_0 / pi0 - (1 - r_0) / (1 - pi0); times d pi0 / dz = pi0 (1 - pi0)
  const grad = -(mass[0] - pi0 * total) - (a - 1) * (1 - pi0) + (b - 1) * pi0;
  return { grad, hyperValue: -(a - 1) * Math.log(pi0) - (b - 1) * Math.log1p(-pi0) };
}

export function gammaHyperPrior(params: MixtureParams, options: PriorOptions, gGammas?: Float64Array): number {
  let v = 0;
  for (let j = 0; j < params.gammas.length; j++) {
    const [alpha, beta] = j === 0 ? options.zeroGamma : options.otherGamma;
    const gamma = params.gammas[j];
    const lambda = Math.exp(gamma);
    v += (1 - alpha) * gamma + beta * lambda;
    if (gGammas) gGammas[j] += 1 - alpha + beta * lambda;
  }
  return v;
}

/**
 * Index of the most responsible component for `x`: argmax_j pi_j N(x | mu_j, s_j^2) with
 * normalised proportions ('map'), or argmax_j N(x | mu_j, s_j^2) ('ml').
 */
export function mostResponsible(mixture: Mixture, x: number, rule: 'map' | 'ml' = 'map'): number {
  let best = -Infinity;
  let at = 0;
  for (let j = 0; j < mixture.means.length; j++) {
    const v = mixture.variances[j];
    const d = x - mixture.means[j];
    let l = -0.5 * Math.log(v) - (0.5 * d * d) / v;
    if (rule === 'map') l += Math.log(mixture.proportions[j]);
    if (l > best) {
      best = l;
      at = j;
    }
  }
  return at;
}

/**
 * mostResponsible for every element of `values` at once (component index per weight),
 * with the per-component constants hoisted out of the loop.
 *
 * @example
 * const comps = assignComponents(mixture, kernel, 'map'); // comps[i] === 0: pruned
 */
export function assignComponents(mixture: Mixture, values: Float32Array, rule: 'map' | 'ml' = 'map'): Uint8Array {
  const J = mixture.means.length;
  if (J > 256) throw new RangeError(`Expected at most 256 components, got ${J}`);
  const a = new Float64Array(J);
  const b = new Float64Array(J);
  const c = new Float64Array(J);
  for (let j = 0; j < J; j++) {
    const lam = 1 / mixture.variances[j];
    const mu = mixture.means[j];
    a[j] = -0.5 * lam;
    b[j] = lam * mu;
    c[j] = -0.5 * Math.log(mixture.variances[j]) - 0.5 * lam * mu * mu + (rule === 'map' ? Math.log(mixture.proportions[j]) : 0);
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    let best = -Infinity;
    let at = 0;
    for (let j = 0; j < J; j++) {
      const l = (a[j] * x + b[j]) * x + c[j];
      if (l > best) {
        best = l;
        at = j;
      }
    }
    out[i] = at;
  }
  return out;
}

/** Responsibilities r_j(x) of every component for one weight (they sum to 1). */
export function responsibilities(mixture: Mixture, x: number): Float64Array {
  const J = mixture.means.length;
  const l = new Float64Array(J);
  let max = -Infinity;
  for (let j = 0; j < J; j++) {
    const v = mixture.variances[j];
    const d = x - mixture.means[j];
    l[j] = Math.log(mixture.proportions[j]) - 0.5 * Math.log(v) - (0.5 * d * d) / v;
    if (l[j] > max) max = l[j];
  }
  let sum = 0;
  for (let j = 0; j < J; j++) sum += l[j] = Math.exp(l[j] - max);
  return l.map((e) => e / sum);
}
