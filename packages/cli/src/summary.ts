import type { QuantizedModel } from '@softshare/core';

/** Per-layer and overall sparsity figures of a quantised model. */
export function sparsitySummary(q: QuantizedModel) {
  const layers = q.quantized.map((t) => {
    let nz = 0;
    for (const c of t.codes) if (c !== 0) nz++;
    return { name: t.name, weights: t.codes.length, nonzero: nz, nonzero_fraction: nz / t.codes.length, distinct_values: t.codebook.length - (nz < t.codes.length ? 0 : 1) };
  });
  const weights = layers.reduce((n, l) => n + l.weights, 0);
  const nonzero = layers.reduce((n, l) => n + l.nonzero, 0);
  return { weights, nonzero, nonzero_fraction: nonzero / weights, layers };
}
