import type { ModelData, QuantizedModel } from '@softshare/core';
import { DEFAULT_FIDELITY_BUDGET, withinBudget, type FidelityBudget, type OutputFidelity } from './fidelity.js';
import { applyFits, tensorFits, type ShrinkOptionsInput, type TensorFits } from './shrink.js';

/** Tolerances the search may choose from, loosest (smallest file) first: a geometric grid, ratio sqrt(2), from 100 to 1e-7 (a tensor's own tolerance is this times its scale, at most 1). */
export const TOLERANCES: readonly number[] = Array.from({ length: 61 }, (_, i) => +(100 * 2 ** (-i / 2)).toPrecision(3)).filter((t) => t >= 1e-7);

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
  /**
   * How far a candidate's outputs move from the original's, as one number (e.g. the relative
   * squared output error on a few calibration inputs). Given, the search first measures each
   * large tensor's sensitivity (its damage when it alone is on 15 shared values, over its
   * relative weight error) and gives each tensor a tolerance proportional to its size over its
   * sensitivity: the allocation that minimises bits for a total damage when damage adds up
   * and bits fall with the log of the tolerance. Absent: one tolerance for every tensor.
   */
  readonly damage?: (candidate: QuantizedModel) => Promise<number>;
  /** The candidate's file size, recorded per point (e.g. encodeSws(q).bytes.length). */
  readonly size?: (candidate: QuantizedModel) => number;
  /** Called after each point. */
  readonly onPoint?: (point: ShrinkPoint) => void;
}

export interface ShrinkSearchResult {
  readonly model: QuantizedModel;
  readonly tolerance: number;
  /** Each tensor's tolerance scale (1 without `damage`). */
  readonly scales: ReadonlyMap<string, number>;
  readonly fidelity: readonly OutputFidelity[];
  /** False when even the tightest tolerance misses the budget: `model` is then that tightest point. */
  readonly withinBudget: boolean;
  readonly points: readonly ShrinkPoint[];
}

/** Tensors smaller than this are not probed: they take the tightest scale of the probed ones (their bytes hardly count). */
const PROBE_MIN_ELEMENTS = 1024;
/** The shared values a sensitivity probe puts one tensor on. */
const PROBE_VALUES = 15;

/**
 * Each fitted tensor's tolerance scale, size / sensitivity normalised to a geometric mean of
 * 1 over the probed tensors (one `damage` evaluation per tensor of at least 1,024 elements).
 */
export async function sensitivityScales(model: ModelData, fits: Map<string, TensorFits>, damage: (candidate: QuantizedModel) => Promise<number>): Promise<Map<string, number>> {
  const raw = new Map<string, number>();
  for (const [name, f] of fits) {
    if (f.param.values.length < PROBE_MIN_ELEMENTS) continue;
    const r = f.relativeError(PROBE_VALUES);
    if (r === 0) continue; // no more distinct values than the probe: exact at any tolerance that matters
    const one = new Map<string, TensorFits>([[name, f]]);
    const d = await damage(applyFits(model, one, r));
    raw.set(name, f.param.values.length / Math.max(d / r, 1e-30));
  }
  const scales = new Map<string, number>();
  if (raw.size === 0) return scales;
  const logs = [...raw.values()].map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  let tightest = Infinity;
  for (const [name, v] of raw) {
    const s = Math.exp(Math.log(v) - mean);
    scales.set(name, s);
    tightest = Math.min(tightest, s);
  }
  for (const name of fits.keys()) if (!scales.has(name)) scales.set(name, tightest);
  return scales;
}

/**
 * The index into TOLERANCES of the loosest tolerance `within` accepts, by bisection (about
 * six calls; `within` must not turn false as the tolerance tightens), the tightest asked
 * first; undefined when even the tightest is refused.
 */
export async function loosestWithin(within: (index: number) => Promise<boolean>): Promise<number | undefined> {
  let hi = TOLERANCES.length - 1;
  if (!(await within(hi))) return undefined;
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (await within(mid)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

/**
 * The loosest tolerance of TOLERANCES whose model stays within the fidelity budget, by
 * bisection (fidelity improves as the tolerance tightens): about six evaluations, after the
 * sensitivity probes when `damage` is given. The k-means fits are made once per tensor and
 * step and shared by every point.
 *
 * @example
 * const { model, fidelity } = await shrinkWithinBudget(pretrained, { evaluate: (q) => agreementOn(calibration, q) });
 */
export async function shrinkWithinBudget(model: ModelData, options: ShrinkSearchOptions): Promise<ShrinkSearchResult> {
  const budget = options.budget ?? DEFAULT_FIDELITY_BUDGET;
  const fits = tensorFits(model, options.stage ?? {});
  const scales = options.damage ? await sensitivityScales(model, fits, options.damage) : new Map<string, number>();
  const points: ShrinkPoint[] = [];
  const tried = new Map<number, { model: QuantizedModel; point: ShrinkPoint }>();
  const at = async (i: number) => {
    const hit = tried.get(i);
    if (hit) return hit;
    const q = applyFits(model, fits, TOLERANCES[i], scales);
    const fidelity = await options.evaluate(q);
    const point: ShrinkPoint = { tolerance: TOLERANCES[i], fidelity, withinBudget: withinBudget(fidelity, budget), ...(options.size ? { bytes: options.size(q) } : {}) };
    points.push(point);
    options.onPoint?.(point);
    const r = { model: q, point };
    tried.set(i, r);
    return r;
  };
  const hi = await loosestWithin(async (i) => (await at(i)).point.withinBudget);
  if (hi === undefined) {
    const tightest = await at(TOLERANCES.length - 1);
    return { model: tightest.model, tolerance: TOLERANCES[TOLERANCES.length - 1], scales, fidelity: tightest.point.fidelity, withinBudget: false, points };
  }
  const best = await at(hi);
  return { model: best.model, tolerance: TOLERANCES[hi], scales, fidelity: best.point.fidelity, withinBudget: true, points };
}
