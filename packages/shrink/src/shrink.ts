import { map } from 'rxjs';
import { z } from 'zod';
import { defineStage, fromFloat16Bytes, toFloat16Bytes, type Diagnostic, type ModelData, type ParamTensor, type QuantizedModel, type QuantizedTensor } from '@softshare/core';
import { lloydWithZero, optimalCentres, type SharedFit } from './kmeans.js';

/** How many non-zero shared values a tensor may get: the steps the per-tensor choice walks (codes stay one byte). */
export const VALUE_STEPS = [1, 2, 3, 5, 7, 11, 15, 23, 31, 47, 63, 95, 127, 191, 255] as const;

/** Options of the shrink stage. */
export const shrinkOptionsSchema = z.strictObject({
  /**
   * Each tensor gets the fewest shared values (of VALUE_STEPS, up to `maxValues`) whose
   * squared error is at most this fraction of the tensor's squared norm
   * (||w - q(w)||^2 / ||w||^2, over the weights `prune` left); a tensor that misses it even
   * with `maxValues` stays float32.
   * Default 0.01 (about 20 dB): `shrinkWithinBudget` searches it against a fidelity budget.
   */
  tolerance: z.number().positive().max(1).default(0.01),
  /** Fraction of each tensor's smallest-magnitude weights set to 0 before the fit (magnitude pruning). Default 0: only values nearest 0 become 0. */
  prune: z.number().min(0).max(0.999).default(0),
  /** At most this many non-zero shared values per tensor (1-255). */
  maxValues: z.number().int().min(1).max(255).default(255),
  /** Float tensors with fewer elements pass through as they are (default 16). */
  minElements: z.number().int().min(1).default(16),
  /** Tensors left as they are, by tensor name ('conv1/kernel') or the prefix before its last '/' (the layer, 'conv1'). */
  exclude: z.array(z.string().min(1)).default([]),
});
export type ShrinkOptions = z.output<typeof shrinkOptionsSchema>;
export type ShrinkOptionsInput = z.input<typeof shrinkOptionsSchema>;

function squaredNorm(w: Float32Array): number {
  let s = 0;
  for (const v of w) s += v * v;
  return s;
}

/**
 * Shared-value fits of one tensor for each step of VALUE_STEPS, made when first asked for
 * and kept: the exact k-means centres come from one dynamic programme, Lloyd's iterations
 * (with 0 in the codebook) finish each fit.
 */
export class TensorFits {
  private centres: Float64Array[] | undefined;
  private readonly fits = new Map<number, SharedFit>();
  /** relativeError per step, kept with its fit (every point of a search asks again). */
  private readonly errors = new Map<number, number>();
  readonly live: Uint8Array;
  readonly norm: number;

  constructor(
    readonly param: ParamTensor,
    readonly prune: number,
    readonly maxValues: number,
  ) {
    const w = param.values;
    let threshold = 0;
    if (prune > 0) {
      const mags = Float32Array.from(w, Math.abs).sort();
      threshold = mags[Math.min(mags.length - 1, Math.floor(prune * mags.length))];
    }
    this.live = Uint8Array.from(w, (v) => (v !== 0 && Math.abs(v) > threshold ? 1 : 0));
    this.norm = squaredNorm(w);
  }

  private half: { values: Float32Array; error: number } | undefined;

  /** The tensor rounded to float16 (what the writer stores in 2 bytes a value, exactly), and its relative squared error. */
  halfPrecision(): { values: Float32Array; error: number } {
    if (!this.half) {
      const w = this.param.values;
      const values = fromFloat16Bytes(toFloat16Bytes(w));
      let e = 0;
      for (let i = 0; i < w.length; i++) e += (w[i] - values[i]) ** 2;
      this.half = { values, error: this.norm === 0 ? 0 : e / this.norm };
    }
    return this.half;
  }

  /** The steps this tensor may take. */
  get steps(): number[] {
    return VALUE_STEPS.filter((k) => k <= this.maxValues);
  }

  fit(k: number): SharedFit {
    let f = this.fits.get(k);
    if (!f) {
      if (!this.centres) {
        const liveValues = this.param.values.filter((_, i) => this.live[i] === 1);
        this.centres = optimalCentres(liveValues, this.maxValues);
      }
      const c = this.centres[Math.min(k, this.centres.length) - 1] ?? new Float64Array(0);
      f = lloydWithZero(this.param.values, this.live, c);
      this.fits.set(k, f);
    }
    return f;
  }

  /** Squared error of the fit over the live (unpruned) weights, relative to the squared norm of all: what pruning costs is the user's choice, not the tolerance's. */
  relativeError(k: number): number {
    if (this.norm === 0) return 0;
    let r = this.errors.get(k);
    if (r === undefined) {
      const { codebook, codes } = this.fit(k);
      const w = this.param.values;
      let e = 0;
      for (let i = 0; i < w.length; i++) if (this.live[i]) e += (w[i] - codebook[codes[i]]) ** 2;
      r = e / this.norm;
      this.errors.set(k, r);
    }
    return r;
  }

  /** The fewest values meeting `tolerance` (binary search over the steps: the error falls as k grows), or undefined when none does. */
  choose(tolerance: number): number | undefined {
    const steps = this.steps;
    if (this.relativeError(steps[steps.length - 1]) > tolerance) return undefined;
    let lo = 0;
    let hi = steps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.relativeError(steps[mid]) <= tolerance) hi = mid;
      else lo = mid + 1;
    }
    return steps[lo];
  }
}

/** Which float tensors of a model the stage fits, and the fits (shared by every tolerance a search tries). */
export function tensorFits(model: ModelData, options: ShrinkOptionsInput = {}): Map<string, TensorFits> {
  const opts = shrinkOptionsSchema.parse(options);
  const excluded = (name: string) => opts.exclude.some((e) => name === e || name.slice(0, name.lastIndexOf('/')) === e);
  const out = new Map<string, TensorFits>();
  for (const p of model.params) {
    if (p.values.length < opts.minElements || excluded(p.name)) continue;
    out.set(p.name, new TensorFits(p, opts.prune, opts.maxValues));
  }
  return out;
}

/**
 * The model with each fitted tensor on the shared values `tolerance` gives it (times the
 * tensor's `scales` entry, when given: the sensitivity allocation of shrinkWithinBudget);
 * the others pass through, each with a diagnostic. `graph` (a graph model's extras) is kept.
 */
export function applyFits(model: ModelData, fits: Map<string, TensorFits>, tolerance: number, scales?: ReadonlyMap<string, number>): QuantizedModel {
  const quantized: QuantizedTensor[] = [];
  const diagnostics: Diagnostic[] = [...model.diagnostics];
  const params = model.params.map((p): ParamTensor => {
    const f = fits.get(p.name);
    const own = Math.min(1, tolerance * (scales?.get(p.name) ?? 1));
    const k = f?.choose(own);
    if (f && k === undefined && f.halfPrecision().error <= own) {
      // more values than a codebook holds: half precision (2 bytes a value) when it is within the tolerance
      diagnostics.push({ severity: 'info', stage: 'shrink', layer: p.name, message: `float16: even ${f.maxValues} shared values miss its tolerance ${own.toPrecision(3)}` });
      return { ...p, values: f.halfPrecision().values };
    }
    if (!f || k === undefined) {
      const why = !f ? 'excluded or smaller than minElements' : `even ${f.maxValues} shared values and float16 miss its tolerance ${own.toPrecision(3)}`;
      diagnostics.push({ severity: 'info', stage: 'shrink', layer: p.name, message: `kept as it was (${why})` });
      return p;
    }
    const { codebook, codes } = f.fit(k);
    quantized.push({ name: p.name, shape: [...p.shape], codebook, codes });
    return { ...p, values: Float32Array.from(codes, (c) => codebook[c]) };
  });
  return { kind: 'quantized', topology: model.topology, params, quantized, diagnostics, ...(model.graph ? { graph: model.graph } : {}) };
}

/**
 * The shrink stage: a trained model on shared values without retraining. Each float
 * tensor gets an exact 1-D k-means codebook with 0 in it (after optional magnitude
 * pruning), with the fewest values whose relative squared error is within `tolerance`.
 * The result is a QuantizedModel like the one quantize gives: encode it with encodeSws,
 * or hand it to tune when training data exists.
 *
 * @example
 * of(toModelData(model)).pipe(shrink({ tolerance: 0.005 }))
 */
export const shrink = defineStage('shrink', shrinkOptionsSchema, (opts) =>
  map((m: ModelData & { readonly kind: 'pretrained' }): QuantizedModel => applyFits(m, tensorFits(m, opts), opts.tolerance)),
);
