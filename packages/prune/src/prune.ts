import { map } from 'rxjs';
import { z } from 'zod';
import { compactCodebook, defineStage, type Diagnostic, type QuantizedModel } from '@softshare/core';
import { pruneUnreachable } from './unreachable.js';

/** Options of the prune stage. */
export const pruneOptionsSchema = z.strictObject({
  /**
   * Zero the weights that cannot change the output (into units that feed nothing; out
   * of units with no inputs, their constant folded into the next bias), found from the
   * topology. Default: true (the function is unchanged; docs/RESULTS.md "Weights that
   * cannot reach the output" measures what it saves). false makes the stage a no-op.
   */
  unreachable: z.boolean().default(true),
});

/**
 * The quantised model with every weight that cannot reach the output set to code 0
 * (see pruneUnreachable) and each codebook cut to the values still used; biases outside
 * the prior take the folded constants. The diagnostics (stage 'prune') say how many
 * weights went and which links were not understood.
 *
 * @example
 * const smaller = withoutUnreachable(swsToQuantized(bytes));
 */
export function withoutUnreachable(model: QuantizedModel): QuantizedModel {
  const shared = new Set(model.quantized.map((q) => q.name));
  const params = model.params.map((p) => ({ ...p, values: Float32Array.from(p.values) }));
  const r = pruneUnreachable({ topology: model.topology, values: new Map(params.map((p) => [p.name, p])), canFoldInto: (name) => !shared.has(name) });
  const diagnostics: Diagnostic[] = [...model.diagnostics];
  for (const why of r.skipped) diagnostics.push({ severity: 'info', stage: 'prune', message: `unreachable weights: ${why}; left alone` });
  if (r.zeroed > 0) {
    const folds = r.folded > 0 ? ` (${r.folded} constant units folded into the next bias)` : '';
    diagnostics.push({ severity: 'info', stage: 'prune', message: `zeroed ${r.zeroed} weights that cannot reach the output${folds}` });
  }
  if (r.biasesZeroed > 0) diagnostics.push({ severity: 'info', stage: 'prune', message: `zeroed the biases of ${r.biasesZeroed} units that feed nothing` });
  const byName = new Map(params.map((p) => [p.name, p.values]));
  const quantized = model.quantized.map((q) => compactCodebook(q, byName.get(q.name)!));
  return { ...model, params, quantized, diagnostics };
}

/**
 * The prune stage: a QuantizedModel in, the same model out without the weights that
 * cannot reach the output (`withoutUnreachable`). Place it after quantize (or sparsify),
 * and again after a tune whose mask search changed which weights are non-zero.
 *
 * @example
 * of(merged).pipe(quantize(), prune(), tune(data))
 */
export const prune = defineStage('prune', pruneOptionsSchema, (opts) => map((m: QuantizedModel): QuantizedModel => (opts.unreachable ? withoutUnreachable(m) : m)));
