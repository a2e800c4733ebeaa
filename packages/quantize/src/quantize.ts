import { map } from 'rxjs';
import { z } from 'zod';
import { defineStage, type Diagnostic, type MergedModel, type ParamTensor, type QuantizedModel, type QuantizedTensor } from '@softshare/core';
import { compactCodebook, dequantize, quantizeTensor } from './quantize-tensor.js';
import { pruneUnreachable } from './unreachable.js';

/** Options of the quantize stage. */
export const quantizeOptionsSchema = z.strictObject({
  /**
   * 'map': argmax_k pi_k N(w | mu_k, s_k^2) with normalised proportions (default, the
   * paper); 'ml': ignore the proportions (reproductions report less excess pruning).
   */
  rule: z.enum(['map', 'ml']).default('map'),
  /**
   * Zero the weights that cannot change the output (into units that feed nothing; out
   * of units with no inputs, their constant folded into the next bias), found from the
   * topology. Default: true (the function is unchanged; see docs/RESULTS.md for what it
   * saves).
   */
  pruneUnreachable: z.boolean().default(true),
});

/**
 * The quantize stage: every weight under the prior takes the mean of its most
 * responsible component. Emits per-tensor codebooks and codes plus the dequantised
 * model; tensors not under the prior pass through with a diagnostic.
 *
 * @example
 * of(merged).pipe(quantize({ rule: 'map' }))
 */
export const quantize = defineStage('quantize', quantizeOptionsSchema, (opts) =>
  map((m: MergedModel): QuantizedModel => {
    const under = new Set(m.underPrior);
    const quantized: QuantizedTensor[] = [];
    const diagnostics: Diagnostic[] = [...m.diagnostics];
    const params: ParamTensor[] = m.params.map((p) => {
      if (!under.has(p.name)) {
        diagnostics.push({ severity: 'info', stage: 'quantize', layer: p.name, message: 'not under the prior: passed through unquantised' });
        return p;
      }
      const q = quantizeTensor(p.name, p.shape, p.values, m.mixture, opts.rule);
      quantized.push(q);
      return { ...p, values: dequantize(q) };
    });
    const model: QuantizedModel = { kind: 'quantized', topology: m.topology, params, mixture: m.mixture, quantized, diagnostics };
    return opts.pruneUnreachable ? withoutUnreachable(model) : model;
  }),
);

/**
 * The quantised model with every weight that cannot reach the output set to code 0
 * (see pruneUnreachable); biases outside the prior take the folded constants. The
 * diagnostics (of `stage`, default 'quantize') say how many weights went and which links were not understood.
 *
 * @example
 * const smaller = withoutUnreachable(swsToQuantized(bytes));
 */
export function withoutUnreachable(model: QuantizedModel, stage = 'quantize'): QuantizedModel {
  const shared = new Set(model.quantized.map((q) => q.name));
  const params = model.params.map((p) => ({ ...p, values: Float32Array.from(p.values) }));
  const r = pruneUnreachable({ topology: model.topology, values: new Map(params.map((p) => [p.name, p])), canFoldInto: (name) => !shared.has(name) });
  const diagnostics: Diagnostic[] = [...model.diagnostics];
  for (const why of r.skipped) diagnostics.push({ severity: 'info', stage, message: `unreachable weights: ${why}; left alone` });
  if (r.zeroed > 0) {
    const folds = r.folded > 0 ? ` (${r.folded} constant units folded into the next bias)` : '';
    diagnostics.push({ severity: 'info', stage, message: `zeroed ${r.zeroed} weights that cannot reach the output${folds}` });
  }
  const byName = new Map(params.map((p) => [p.name, p.values]));
  const quantized = model.quantized.map((q) => compactCodebook(q, byName.get(q.name)!));
  return { ...model, params, quantized, diagnostics };
}
