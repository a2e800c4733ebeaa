import type { ModelData, QuantizedModel } from '@softshare/core';
import { DEFAULT_FIDELITY_BUDGET, withinBudget, type FidelityBudget, type OutputFidelity } from './fidelity.js';
import { applyFits, tensorFits, type ShrinkOptionsInput } from './shrink.js';

/** Tolerances the search may choose from, loosest (smallest file) first. */
export const TOLERANCES = [0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 5e-4, 2e-4, 1e-4, 5e-5, 2e-5, 1e-5, 1e-6] as const;

/** One tolerance the search tried. */
export interface ShrinkPoint {
  readonly tolerance: number;
  readonly fidelity: readonly OutputFidelity[];
  readonly withinBudget: boolean;
  /** Bytes of the encoded file, when the caller gave `size`. */
  readonly bytes?: number;
}

export interface ShrinkSearchOptions {
  /** The shrink stage's options (its `tolerance` is what the search sets). */
  readonly stage?: Omit<ShrinkOptionsInput, 'tolerance'>;
  readonly budget?: FidelityBudget;
  /** The candidate's fidelity to the original (e.g. agreement on calibration inputs). */
  readonly evaluate: (candidate: QuantizedModel) => Promise<readonly OutputFidelity[]>;
  /** The candidate's file size, recorded per point (e.g. encodeSws(q).bytes.length). */
  readonly size?: (candidate: QuantizedModel) => number;
  /** Called after each point. */
  readonly onPoint?: (point: ShrinkPoint) => void;
}

export interface ShrinkSearchResult {
  readonly model: QuantizedModel;
  readonly tolerance: number;
  readonly fidelity: readonly OutputFidelity[];
  /** False when even the tightest tolerance misses the budget: `model` is then that tightest point. */
  readonly withinBudget: boolean;
  readonly points: readonly ShrinkPoint[];
}

/**
 * The loosest tolerance of TOLERANCES whose model stays within the fidelity budget, by
 * bisection (fidelity improves as the tolerance tightens): about five evaluations. The
 * k-means fits are made once per tensor and step and shared by every point.
 *
 * @example
 * const { model, fidelity } = await shrinkWithinBudget(pretrained, { evaluate: (q) => agreementOn(calibration, q) });
 */
export async function shrinkWithinBudget(model: ModelData, options: ShrinkSearchOptions): Promise<ShrinkSearchResult> {
  const budget = options.budget ?? DEFAULT_FIDELITY_BUDGET;
  const fits = tensorFits(model, options.stage ?? {});
  const points: ShrinkPoint[] = [];
  const tried = new Map<number, { model: QuantizedModel; point: ShrinkPoint }>();
  const at = async (i: number) => {
    const hit = tried.get(i);
    if (hit) return hit;
    const q = applyFits(model, fits, TOLERANCES[i]);
    const fidelity = await options.evaluate(q);
    const point: ShrinkPoint = { tolerance: TOLERANCES[i], fidelity, withinBudget: withinBudget(fidelity, budget), ...(options.size ? { bytes: options.size(q) } : {}) };
    points.push(point);
    options.onPoint?.(point);
    const r = { model: q, point };
    tried.set(i, r);
    return r;
  };
  let hi = TOLERANCES.length - 1;
  const tightest = await at(hi);
  if (!tightest.point.withinBudget) return { model: tightest.model, tolerance: TOLERANCES[hi], fidelity: tightest.point.fidelity, withinBudget: false, points };
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((await at(mid)).point.withinBudget) hi = mid;
    else lo = mid + 1;
  }
  const best = await at(hi);
  return { model: best.model, tolerance: TOLERANCES[hi], fidelity: best.point.fidelity, withinBudget: true, points };
}
