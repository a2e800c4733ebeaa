/**
 * How closely a compressed model follows the original on the same inputs, without labels:
 * for a classifier output, top-1 agreement and the mean absolute difference of the class
 * probabilities; for any other output, the relative error ||y' - y|| / ||y||.
 */

/** One output's figures. */
export type OutputFidelity =
  | { readonly output: number; readonly kind: 'classes'; readonly examples: number; readonly agreement: number; readonly meanAbsProbabilityDiff: number }
  | { readonly output: number; readonly kind: 'values'; readonly examples: number; readonly relativeError: number };

/** An output's values for `examples` inputs, row-major, `width` values per example. */
export interface OutputValues {
  readonly values: Float32Array;
  readonly examples: number;
}

/** Index of the largest of `width` values from `at` (the first on a tie). */
function argmax(v: ArrayLike<number>, at: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (v[at + j] > v[at + best]) best = j;
  return best;
}

/** Share of examples whose largest output (probability or logit) is not their label: a classifier's top-1 error. */
export function topOneError(values: Float32Array, labels: ArrayLike<number>): number {
  const width = values.length / labels.length;
  let wrong = 0;
  for (let e = 0; e < labels.length; e++) if (argmax(values, e * width, width) !== labels[e]) wrong++;
  return labels.length === 0 ? 0 : wrong / labels.length;
}

/** Rows that are already probabilities: non-negative, each summing to 1 within 1e-3. */
function isProbabilities(y: OutputValues, width: number): boolean {
  for (let e = 0; e < y.examples; e++) {
    let s = 0;
    for (let j = 0; j < width; j++) {
      const v = y.values[e * width + j];
      if (!(v >= 0)) return false;
      s += v;
    }
    if (Math.abs(s - 1) > 1e-3) return false;
  }
  return true;
}

/**
 * Whether an output is read as classes: one row of more than one value per example that
 * sums to 1 (a softmax output). Logits look like values unless the caller says 'classes'.
 */
export function outputKindOf(y: OutputValues): 'classes' | 'values' {
  const width = y.values.length / Math.max(1, y.examples);
  return width > 1 && isProbabilities(y, width) ? 'classes' : 'values';
}

function softmaxRow(v: Float32Array, at: number, width: number): Float64Array {
  let m = -Infinity;
  for (let j = 0; j < width; j++) m = Math.max(m, v[at + j]);
  const out = new Float64Array(width);
  let s = 0;
  for (let j = 0; j < width; j++) s += out[j] = Math.exp(v[at + j] - m);
  for (let j = 0; j < width; j++) out[j] /= s;
  return out;
}

/**
 * Figures for one output: `reference` from the original model, `candidate` from the
 * compressed one, on the same inputs. `kind` defaults to what the reference looks like.
 */
export function outputFidelity(output: number, reference: OutputValues, candidate: OutputValues, kind: 'classes' | 'values' = outputKindOf(reference)): OutputFidelity {
  const n = reference.examples;
  if (candidate.values.length !== reference.values.length) throw new RangeError(`Expected ${reference.values.length} output values, got ${candidate.values.length}`);
  const width = reference.values.length / Math.max(1, n);
  if (kind === 'values' || width < 2) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < reference.values.length; i++) {
      const d = candidate.values[i] - reference.values[i];
      num += d * d;
      den += reference.values[i] * reference.values[i];
    }
    return { output, kind: 'values', examples: n, relativeError: den === 0 ? Math.sqrt(num) : Math.sqrt(num / den) };
  }
  const probs = isProbabilities(reference, width) && isProbabilities(candidate, width);
  let agree = 0;
  let diff = 0;
  for (let e = 0; e < n; e++) {
    const at = e * width;
    const p = probs ? Float64Array.from(reference.values.subarray(at, at + width)) : softmaxRow(reference.values, at, width);
    const q = probs ? Float64Array.from(candidate.values.subarray(at, at + width)) : softmaxRow(candidate.values, at, width);
    if (argmax(p, 0, width) === argmax(q, 0, width)) agree++;
    for (let j = 0; j < width; j++) diff += Math.abs(p[j] - q[j]);
  }
  return { output, kind: 'classes', examples: n, agreement: n === 0 ? 1 : agree / n, meanAbsProbabilityDiff: n === 0 ? 0 : diff / (n * width) };
}

/** The fidelity budget: every classes output agrees on at least `minAgreement` of the inputs, every values output within `maxOutputError`. */
export interface FidelityBudget {
  readonly minAgreement: number;
  readonly maxOutputError: number;
}

export const DEFAULT_FIDELITY_BUDGET: FidelityBudget = { minAgreement: 0.99, maxOutputError: 0.01 };

/** Whether every output is within the budget. */
export function withinBudget(figures: readonly OutputFidelity[], budget: FidelityBudget): boolean {
  return figures.every((f) => (f.kind === 'classes' ? f.agreement >= budget.minAgreement : f.relativeError <= budget.maxOutputError));
}

/** One line per output, e.g. "top-1 agreement 99.6%, mean |dp| 0.0012". */
export function describeFidelity(figures: readonly OutputFidelity[]): string {
  return figures
    .map((f) => {
      const head = figures.length > 1 ? `output ${f.output}: ` : '';
      return f.kind === 'classes'
        ? `${head}top-1 agreement ${(100 * f.agreement).toFixed(2)}% of ${f.examples}, mean |dp| ${f.meanAbsProbabilityDiff.toExponential(2)}`
        : `${head}relative output error ${f.relativeError.toExponential(2)} over ${f.examples}`;
    })
    .join('; ');
}
