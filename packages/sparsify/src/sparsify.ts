import type { OperatorFunction } from 'rxjs';
import { cancellableStage, parseOptions, silentProgress, SoftshareError, type ModelData, type QuantizedModel, type StageContext } from '@softshare/core';
import type { ImageDataset } from '@softshare/data';
import { sparsifyOptionsSchema, type SparsifyOptions, type SparsifyOptionsInput } from './options.js';
import { keepLowest, shareValues } from './select.js';
import { runVariationalDropout, type VariationalDropoutHooks } from './variational-dropout.js';

/**
 * Sparse variational dropout over every Dense/Conv2D kernel (role 'kernel'), then the
 * `density` share of them with the lowest log-alpha stays non-zero with its trained mean,
 * each tensor's kept weights shared as `values` (or its `tensorValues` entry) k-means
 * values; biases of those layers come out trained, every other parameter as it came in.
 * The result is a QuantizedModel (no mixture) for the tune stage to finish, typically
 * with `tune.mask` (regrow 0, refit).
 */
export async function runSparsify(input: ModelData, data: ImageDataset, options: SparsifyOptions, hooks: VariationalDropoutHooks = {}): Promise<QuantizedModel> {
  const names = new Set(input.params.filter((p) => p.role === 'kernel').map((p) => p.name));
  // fail before the training, not after it
  for (const name of Object.keys(options.tensorValues ?? {})) {
    if (!names.has(name)) throw new SoftshareError('E_OPTIONS', 'sparsify', `sparsify.tensorValues names "${name}", which is not a kernel of the model (${[...names].join(', ')})`);
  }
  const vd = await runVariationalDropout(input, data, names, options, hooks);
  const total = vd.tensors.reduce((a, t) => a + t.theta.length, 0);
  const keep = keepLowest(vd.tensors.map((t) => t.logAlpha), Math.round(options.density * total));
  const quantized = vd.tensors.map((t, i) => ({ name: t.name, shape: t.shape, ...shareValues(t.theta, keep[i], options.tensorValues?.[t.name] ?? options.values) }));
  const byName = new Map(quantized.map((q) => [q.name, q]));
  const params = input.params.map((p) => {
    const q = byName.get(p.name);
    if (q) return { ...p, values: Float32Array.from(q.codes, (c) => q.codebook[c]) };
    const bias = vd.biases.get(p.name);
    return bias ? { ...p, values: bias } : p;
  });
  const kept = keep.reduce((a, k) => a + k.reduce((s, x) => s + x, 0), 0);
  const skipped = [...names].filter((n) => !byName.has(n)).map((n) => ({ severity: 'info' as const, stage: 'sparsify', layer: n.split('/')[0], message: `${n} passed through as float32: sparsify handles Dense and Conv2D kernels only` }));
  const note = { severity: 'info' as const, stage: 'sparsify', message: `sparse variational dropout kept ${kept} of ${total} weights (${((100 * kept) / total).toFixed(3)}%) in ${quantized.map((q) => q.name).join(', ')}` };
  return {
    kind: 'quantized',
    topology: input.topology,
    params,
    quantized,
    mixture: { means: new Float64Array(0), variances: new Float64Array(0), proportions: new Float64Array(0) },
    diagnostics: [...input.diagnostics, note, ...skipped],
  };
}

/**
 * The sparsify stage: a pretrained model in, a sparse shared-value QuantizedModel out
 * (see `runSparsify`); an alternative to retrain -> merge -> quantize that chooses the
 * mask by sparse variational dropout instead of the mixture prior. Place tune() after it.
 * Unsubscribing stops it within one batch. Progress: `step` events (stage `sparsify`)
 * after each batch and `epoch` events with the epoch's mean cross-entropy (`loss`), KL / N
 * (`kl`), the count of weights with log-alpha < 3 (`belowThreshold`) and, every `evalEvery`
 * epochs, the test error of the kept weights' means (`testError`).
 *
 * @example
 * of(toModelData(model)).pipe(sparsify(data), tune(data, { epochs: 6, mask: { epochs: 10, regrow: 0, refit: true } }))
 */
export function sparsify(data: ImageDataset, options?: SparsifyOptionsInput, context: Partial<StageContext> = {}): OperatorFunction<ModelData, QuantizedModel> {
  const opts = parseOptions('sparsify', sparsifyOptionsSchema, options);
  const progress = context.progress ?? silentProgress;
  return cancellableStage((model, isCancelled) =>
    runSparsify(model, data, opts, {
      isCancelled,
      onStep: (current, total) => progress.emit({ stage: 'sparsify', unit: 'step', current, total }),
      onEpoch: (e) => progress.emit({ stage: 'sparsify', unit: 'epoch', current: e.epoch, total: e.epochs, values: { loss: e.loss, kl: e.kl, belowThreshold: e.belowThreshold, ...(e.testError === undefined ? {} : { testError: e.testError }) } }),
    }),
  );
}
