import { defineTrainingStage, SoftshareError, type Figures, type ModelData, type PretrainedModel, type ProgressEvent, type QuantizedModel } from '@softshare/core';
import type { Dataset } from '@softshare/data';
import { sparsifyOptionsSchema, type SparsifyOptions } from './options.js';
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
export async function runSparsify(input: ModelData, data: Dataset, options: SparsifyOptions, hooks: VariationalDropoutHooks = {}): Promise<QuantizedModel> {
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
    diagnostics: [...input.diagnostics, note, ...skipped],
  };
}

/** The figures of the sparsify stage's epoch events. */
export type SparsifyEpochValues = {
  /** Mean training cross-entropy of the epoch's (noisy) batches. */
  readonly loss: number;
  /** Mean KL / N_train over the epoch's batches. */
  readonly kl: number;
  /** Weights with log-alpha < 3 over every sparsified tensor. */
  readonly belowThreshold: number;
  /** Validation error of the kept weights' means, on the epochs `evalEvery` asks for (with a validation split). */
  readonly validationError?: number;
};
export type SparsifyEvent = ProgressEvent<SparsifyEpochValues>;

const figures: Figures<SparsifyEpochValues> = {
  loss: { label: 'CE', kind: 'number' },
  kl: { label: 'KL/N', kind: 'number' },
  belowThreshold: { label: 'log-alpha < 3:', kind: 'count' },
  validationError: { label: 'kept-means validation error', kind: 'share' },
};

/**
 * The sparsify stage: a pretrained model in, a sparse shared-value QuantizedModel out
 * (see `runSparsify`); an alternative to retrain -> merge -> quantize that chooses the
 * mask by sparse variational dropout instead of the mixture prior. Place tune() after it.
 * Unsubscribing stops it within one batch. Progress: `step` events after each batch and
 * `epoch` events (`SparsifyEpochValues`).
 *
 * @example
 * of(toModelData(model)).pipe(sparsify(data), tune(data, { epochs: 6, mask: { epochs: 10, regrow: 0, refit: true } }))
 */
export const sparsify = defineTrainingStage<typeof sparsifyOptionsSchema, Dataset, PretrainedModel, QuantizedModel, SparsifyEpochValues>(
  'sparsify',
  sparsifyOptionsSchema,
  figures,
  (model, data, opts, run) =>
    runSparsify(model, data, opts, {
      isCancelled: run.isCancelled,
      onStep: (current, total) => run.step(current, total),
      onEpoch: (e) => run.epoch(e.epoch, e.epochs, { loss: e.loss, kl: e.kl, belowThreshold: e.belowThreshold, ...(e.validationError === undefined ? {} : { validationError: e.validationError }) }),
    }),
);
