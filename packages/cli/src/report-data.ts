import type { Mixture, ModelData, QuantizedModel, RetrainedModel } from '@softshare/core';
import { assignComponents } from '@softshare/prior';
import type { BudgetSummary } from './budget.js';

/** Everything the HTML report draws; written beside the .sws so `softshare report` can redraw it. */
export interface ReportData {
  readonly title: string;
  readonly backend: string;
  readonly errorBefore: number;
  readonly errorAfter: number;
  /** Every output's test metric before and after, for a model with several outputs. */
  readonly outputs?: readonly { name: string; metric: string; before: number; after: number }[];
  readonly nonzeroFraction: number;
  readonly fileBytes: number;
  readonly originalBytes: number;
  readonly fileRatio: number;
  readonly paperRatio: number;
  readonly histogram: { edges: number[]; before: number[]; after: number[] };
  /** The learned mixture; absent when the pipeline learned none (sparsify). */
  readonly mixture?: { means: number[]; stds: number[]; proportions: number[] };
  /** Up to 4000 weights: pretrained value, retrained value, assigned component. */
  readonly scatter: { before: number[]; after: number[]; component: number[] };
  readonly history: Record<string, number>[];
  readonly layers: { name: string; weights: number; nonzero: number; distinct: number; bitsPerWeight: number; bytes: number }[];
  /** Tensors stored outside the prior (biases, and any layer not under it): how, and at what cost. */
  readonly passThrough?: { name: string; elements: number; encoding: string; bytes: number }[];
  readonly breakdown: Record<string, number>;
  /** The accuracy budget and every point the search measured (absent in reports written before the search). */
  readonly budget?: BudgetSummary;
  /** A shrink run (no retraining): the fidelity to the original on calibration inputs, and every tolerance tried. */
  readonly fidelity?: {
    readonly calibration: string;
    readonly budget: string;
    readonly written: string;
    readonly points: readonly { tolerance: number; bytes: number | null; fidelity: string; withinBudget: boolean }[];
  };
}

function kernels(m: ModelData, names: Set<string>): Float32Array[] {
  return m.params.filter((p) => names.has(p.name)).map((p) => p.values);
}

/** Summaries for the report, computed from the pipeline's artefacts (sampled deterministically). */
export function reportData(args: {
  title: string;
  backend: string;
  input: ModelData;
  /** The retrained model before merging; without it (a sparsify run) the report draws the quantised weights and no mixture. */
  retrained?: RetrainedModel;
  quantized: QuantizedModel;
  errorBefore: number;
  errorAfter: number;
  outputs?: ReportData['outputs'];
  sizes: { file_bytes: number; original_bytes: number; file_ratio: number; paper_format_ratio: number; breakdown: Record<string, number>; tensors: readonly { name: string; encoding: string; elements: number; nonzero: number; positionBytes: number; codeBytes: number; codebookValues: number; rawBytes: number; exact?: boolean }[] };
  history: Record<string, number>[];
  budget?: BudgetSummary;
  fidelity?: ReportData['fidelity'];
}): ReportData {
  const names = new Set(args.retrained?.underPrior ?? args.quantized.quantized.map((q) => q.name));
  const before = kernels(args.input, names);
  const after = kernels(args.retrained ?? args.quantized, names);
  const all = (ws: Float32Array[]) => ws.flatMap((w) => Array.from(w));
  const b = all(before);
  const a = all(after);
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of [...b, ...a]) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const bins = 120;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const hist = (xs: number[]) => {
    const h = new Array<number>(bins).fill(0);
    for (const x of xs) h[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo || 1)) * bins))]++;
    return h;
  };
  const mix: Mixture | undefined = args.retrained?.mixture ?? args.quantized.mixture;
  const comps = mix ? assignComponents(mix, Float32Array.from(a)) : new Int32Array(a.length);
  const stride = Math.max(1, Math.floor(a.length / 4000));
  const pick = <T,>(xs: ArrayLike<T>) => Array.from({ length: Math.floor(xs.length / stride) }, (_, i) => xs[i * stride]);
  const nonzero = args.quantized.quantized.reduce((s, q) => s + q.codes.filter((c) => c !== 0).length, 0);
  const weights = args.quantized.quantized.reduce((s, q) => s + q.codes.length, 0);
  return {
    title: args.title,
    backend: args.backend,
    errorBefore: args.errorBefore,
    errorAfter: args.errorAfter,
    ...(args.outputs ? { outputs: args.outputs } : {}),
    nonzeroFraction: nonzero / weights,
    fileBytes: args.sizes.file_bytes,
    originalBytes: args.sizes.original_bytes,
    fileRatio: args.sizes.file_ratio,
    paperRatio: args.sizes.paper_format_ratio,
    histogram: { edges, before: hist(b), after: hist(a) },
    ...(mix ? { mixture: { means: Array.from(mix.means), stds: Array.from(mix.variances, Math.sqrt), proportions: Array.from(mix.proportions) } } : {}),
    scatter: { before: pick(b), after: pick(a), component: pick(comps) },
    history: args.history,
    layers: args.sizes.tensors
      .filter((t) => names.has(t.name))
      .map((t) => ({ name: t.name, weights: t.elements, nonzero: t.nonzero, distinct: t.codebookValues, bitsPerWeight: ((t.positionBytes + t.codeBytes) * 8) / t.elements, bytes: t.positionBytes + t.codeBytes + 4 * t.codebookValues })),
    passThrough: args.sizes.tensors.filter((t) => !names.has(t.name)).map((t) => ({ name: t.name, elements: t.elements, encoding: t.exact ? 'exact shared values' : t.encoding, bytes: t.rawBytes + t.positionBytes + t.codeBytes + 4 * t.codebookValues })),
    breakdown: args.sizes.breakdown,
    ...(args.budget ? { budget: args.budget } : {}),
    ...(args.fidelity ? { fidelity: args.fidelity } : {}),
  };
}
