import { weightTensors, type QuantizedModel } from '@softshare/core';

/** Per-layer and overall sparsity figures of a quantised model. */
export function sparsitySummary(q: QuantizedModel) {
  // weights: the quantised kernels, not the biases and vectors a storage option put on shared values
  const layers = weightTensors(q).map((t) => {
    let nz = 0;
    for (const c of t.codes) if (c !== 0) nz++;
    return { name: t.name, weights: t.codes.length, nonzero: nz, nonzero_fraction: nz / t.codes.length, distinct_values: t.codebook.length - (nz < t.codes.length ? 0 : 1) };
  });
  const weights = layers.reduce((n, l) => n + l.weights, 0);
  const nonzero = layers.reduce((n, l) => n + l.nonzero, 0);
  return { weights, nonzero, nonzero_fraction: nonzero / weights, layers };
}

/**
 * One console line of what was compressed and what passed through, per tensor: those
 * under the prior with their non-zero share and bytes, the others with how they were
 * stored (float32, float16, exact shared values, shared values) and their bytes.
 */
export function layersLine(tensors: readonly { name: string; encoding: string; exact?: boolean; elements: number; nonzero: number; positionBytes: number; codeBytes: number; rawBytes: number }[], underPrior: ReadonlySet<string>): string {
  const bytes = (t: (typeof tensors)[number]) => t.positionBytes + t.codeBytes + t.rawBytes;
  const under = tensors.filter((t) => underPrior.has(t.name)).map((t) => `${t.name} ${((100 * t.nonzero) / t.elements).toFixed(2)}% non-zero ${bytes(t)} B`);
  const passed = tensors.filter((t) => !underPrior.has(t.name)).map((t) => `${t.name} ${t.exact ? 'exact shared values' : t.encoding === 'shared' ? 'shared values' : t.encoding} ${bytes(t)} B`);
  return `under the prior: ${under.join(', ') || 'none'}; passed through: ${passed.join(', ') || 'none'}`;
}
