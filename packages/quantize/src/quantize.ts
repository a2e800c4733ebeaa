import { map } from 'rxjs';
import { z } from 'zod';
import { defineStage, dequantize, type Diagnostic, type MergedModel, type ParamTensor, type QuantizedModel, type QuantizedTensor } from '@softshare/core';
import { quantizeTensor } from './quantize-tensor.js';
import { quantizeValues } from './quantize-values.js';

/** Options of the quantize stage. */
export const quantizeOptionsSchema = z.strictObject({
  /**
   * 'map': argmax_k pi_k N(w | mu_k, s_k^2) with normalised proportions (default, the
   * paper); 'ml': ignore the proportions (reproductions report less excess pruning).
   */
  rule: z.enum(['map', 'ml']).default('map'),
  /**
   * Biases on at most this many shared values each (`quantizeValues`: zeros stay 0, the
   * rest 1-D k-means), so the file stores codes instead of float32 and tune trains them as
   * shared values. null (default): biases pass through as float32 (the writer still stores
   * one of few distinct values exactly as shared values). Lossy: choose it on validation
   * (docs/RESULTS.md, "Biases on shared values").
   */
  biasValues: z.number().int().min(1).max(255).nullable().default(null),
});

/**
 * The quantize stage: every weight under the prior takes the mean of its most
 * responsible component. Emits per-tensor codebooks and codes plus the dequantised
 * model; tensors not under the prior pass through with a diagnostic. Weights that cannot
 * reach the output are the prune stage's job (@softshare/prune), placed after this one.
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
      if (!under.has(p.name) && opts.biasValues !== null && p.role === 'bias') {
        const q = quantizeValues(p.name, p.shape, p.values, opts.biasValues);
        quantized.push(q);
        return { ...p, values: dequantize(q) };
      }
      if (!under.has(p.name)) {
        diagnostics.push({ severity: 'info', stage: 'quantize', layer: p.name, message: 'not under the prior: passed through unquantised' });
        return p;
      }
      const q = quantizeTensor(p.name, p.shape, p.values, m.mixture, opts.rule);
      quantized.push(q);
      return { ...p, values: dequantize(q) };
    });
    return { kind: 'quantized', topology: m.topology, params, mixture: m.mixture, quantized, diagnostics };
  }),
);

