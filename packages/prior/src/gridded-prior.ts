import { componentTerms, evaluatePrior, fromStatistics, type MixtureParams, type PriorEvaluation } from './gaussian-mixture.js';

/** Grid spacing as a fraction of the narrowest component's std (default 1/16). */
export const GRID_STEP_PER_STD = 1 / 16;
/** Above this many grid nodes the exact per-weight pass is cheaper and is used instead. */
export const MAX_GRID_NODES = 1 << 16;

/**
 * The per-weight work of the gridded prior, written without references to anything
 * outside its own body so that it runs unchanged on a worker thread from its source
 * text (see prior-worker.ts).
 *
 * The prior's gradient with respect to a weight is one smooth function of the weight,
 * g(x) = sum_j r_j(x) lambda_j (x - mu_j), the same for every weight. This evaluates it,
 * and the responsibilities, on a grid with spacing (narrowest std) * gridStep across the
 * weights' range, then per weight interpolates g linearly and bins the weight (count,
 * sum and sum of squares of its offset from the nearest node) for the mixture statistics.
 * With `scales`, tensor t's terms count scales[t] times (its gradient and its statistics).
 * Writes out = [negLogP, R (J), S1 (J), S2 (J)] and returns true; returns false (out
 * untouched) when the weights are empty or not finite, or the grid would need more
 * than maxNodes nodes (a component collapsed far below the others).
 */
export function griddedKernel(
  means: Float64Array,
  gammas: Float64Array,
  lam: Float64Array,
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  tensors: readonly Float32Array[],
  weightGrads: readonly Float32Array[] | null,
  scales: readonly number[] | null,
  gradScale: number,
  wantValue: boolean,
  gridStep: number,
  maxNodes: number,
  out: Float64Array,
): boolean {
  const J = means.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let t = 0; t < tensors.length; t++) {
    const w = tensors[t];
    for (let i = 0; i < w.length; i++) {
      const x = w[i];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  if (!(lo <= hi)) return false;
  let maxGamma = -Infinity;
  for (let j = 0; j < J; j++) if (gammas[j] > maxGamma) maxGamma = gammas[j];
  const h = Math.exp(-0.5 * maxGamma) * gridStep;
  const nodes = Math.floor((hi - lo) / h) + 2;
  if (!(nodes <= maxNodes)) return false;

  // g at every node, responsibilities per node (node-major), -log p per node
  const g = new Float64Array(nodes);
  const r = new Float64Array(nodes * J);
  const nlp = new Float64Array(nodes);
  const lt = new Float64Array(J);
  for (let k = 0; k < nodes; k++) {
    const x = lo + k * h;
    let max = -Infinity;
    for (let j = 0; j < J; j++) {
      const v = (a[j] * x + b[j]) * x + c[j];
      lt[j] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let j = 0; j < J; j++) sum += lt[j] = Math.exp(lt[j] - max);
    const inv = 1 / sum;
    let gx = 0;
    for (let j = 0; j < J; j++) {
      const rj = lt[j] * inv;
      r[k * J + j] = rj;
      gx += rj * lam[j] * (x - means[j]);
    }
    g[k] = gx;
    nlp[k] = -(max + Math.log(sum));
  }
  // one pass over the weights: interpolated gradient, binning for the statistics
  // (bins interleaved as [count, sum of offsets, sum of squared offsets] for locality)
  const bins = new Float64Array(3 * nodes);
  const invH = 1 / h;
  const lastK = nodes - 2;
  for (let t = 0; t < tensors.length; t++) {
    const w = tensors[t];
    const dst = weightGrads ? weightGrads[t] : null;
    const st = scales ? scales[t] : 1;
    const gs = gradScale * st;
    for (let i = 0; i < w.length; i++) {
      const x = w[i];
      const u = (x - lo) * invH;
      let k = u | 0; // u >= 0
      if (k > lastK) k = lastK;
      const f = u - k;
      const gk = g[k];
      if (dst !== null) dst[i] = gs * (gk + f * (g[k + 1] - gk));
      const kb = f < 0.5 ? k : k + 1;
      const d = x - (lo + kb * h);
      const bi = 3 * kb;
      bins[bi] += st;
      bins[bi + 1] += st * d;
      bins[bi + 2] += st * d * d;
    }
  }
  out.fill(0);
  let negLogP = 0;
  for (let k = 0; k < nodes; k++) {
    const cnt = bins[3 * k];
    if (cnt === 0) continue;
    const n1k = bins[3 * k + 1];
    const n2k = bins[3 * k + 2];
    const x = lo + k * h;
    for (let j = 0; j < J; j++) {
      const rj = r[k * J + j];
      if (rj === 0) continue;
      const e = x - means[j];
      out[1 + j] += rj * cnt;
      out[1 + J + j] += rj * (n1k + cnt * e);
      out[1 + 2 * J + j] += rj * (n2k + 2 * e * n1k + cnt * e * e);
    }
    if (wantValue) negLogP += cnt * nlp[k] + g[k] * n1k;
  }
  out[0] = wantValue ? negLogP : NaN;
  return true;
}

/** Mixture statistics (as the kernel writes them) to the prior's value and gradients. */
export function fromKernelOutput(params: MixtureParams, lam: Float64Array, out: Float64Array): PriorEvaluation {
  const J = params.means.length;
  return fromStatistics(params, lam, out.slice(1, 1 + J), out.slice(1 + J, 1 + 2 * J), out.slice(1 + 2 * J, 1 + 3 * J), out[0]);
}

/**
 * The prior's value and gradients by the gridded evaluation (griddedKernel): per weight
 * a handful of flops instead of J exponentials; per step the grid costs (nodes x J)
 * exponentials, a few hundred to a few thousand nodes in practice. Falls back to the
 * exact pass when the kernel declines. Same signature and outputs as evaluatePrior.
 */
export function evaluatePriorGridded(
  params: MixtureParams,
  tensors: readonly Float32Array[],
  weightGrads: readonly Float32Array[] | null,
  gradScale = 1,
  wantValue = false,
  scales: readonly number[] | null = null,
): PriorEvaluation {
  const { lam, a, b, c } = componentTerms(params);
  const out = new Float64Array(1 + 3 * params.means.length);
  const ok = griddedKernel(params.means, params.gammas, lam, a, b, c, tensors, weightGrads, scales, gradScale, wantValue, GRID_STEP_PER_STD, MAX_GRID_NODES, out);
  return ok ? fromKernelOutput(params, lam, out) : evaluatePrior(params, tensors, weightGrads, gradScale, wantValue, scales);
}
