import { paramRole, type PretrainedModel } from '@softshare/core';
import { balanceBatchNormWeights, batchNormPairs, foldBatchNormWeights } from '@softshare/format';

/**
 * The model with each BatchNormalization folded into the linear layer before it
 * (`foldBatchNormWeights` of @softshare/format: Conv1D, Conv2D, DepthwiseConv2D,
 * SeparableConv2D, Dense; the same function but for float32 rounding), or the model itself
 * when there is none to fold.
 */
export function withBatchNormFolded(model: PretrainedModel): PretrainedModel {
  const { topology, weights, folded } = foldBatchNormWeights(model.topology, model.params);
  if (folded.length === 0) return model;
  const params = weights.map((w) => ({ name: w.name, shape: [...w.shape], role: paramRole(w.name, w.shape), values: w.values }));
  const message = `folded BatchNormalization ${folded.join(', ')} into the layer${folded.length === 1 ? '' : 's'} before ${folded.length === 1 ? 'it' : 'them'} (foldBatchNorm)`;
  return { ...model, topology, params, diagnostics: [...model.diagnostics, { severity: 'info', stage: 'pipeline', message }] };
}

const rms = (arrays: readonly Float32Array[]) => {
  let s = 0;
  let n = 0;
  for (const a of arrays) for (const v of a) (s += v * v), n++;
  return n > 0 ? Math.sqrt(s / n) : NaN;
};

/**
 * The model with every output channel of a kernel followed by BatchNormalization scaled
 * to one RMS, the BatchNormalization's statistics undoing it (`balanceBatchNormWeights` of
 * @softshare/format; the same function but for float32 rounding). The RMS is that of the
 * kernels no BatchNormalization follows (their scale is the network's own), or of all
 * kernels when every one has one. BatchNormalization lets each channel's scale drift
 * during pretraining (on a MobileNet-style CNN by 10x); one mixture prior over such
 * channels sends the small ones to 0 whole (docs/RESULTS.md).
 */
export function withBatchNormBalanced(model: PretrainedModel): PretrainedModel {
  const pairs = new Set(batchNormPairs(model.topology).flatMap((p) => p.channelKernels));
  if (pairs.size === 0) return model;
  const kernels = model.params.filter((p) => p.role === 'kernel');
  const free = kernels.filter((p) => !pairs.has(p.name));
  const target = rms((free.length > 0 ? free : kernels).map((p) => p.values));
  const { weights, balanced } = balanceBatchNormWeights(model.topology, model.params, target);
  if (balanced.length === 0) return model;
  const params = model.params.map((p, i) => ({ ...p, values: weights[i].values }));
  const message = `balanced ${balanced.join(', ')}: each output channel at RMS ${target.toPrecision(3)}, the BatchNormalization after it rescaled to match (balanceBatchNorm)`;
  return { ...model, params, diagnostics: [...model.diagnostics, { severity: 'info', stage: 'pipeline', message }] };
}

/** What compress does to BatchNormalization before anything trains: fold it (`foldBatchNorm`), else balance the kernels before it (`balanceBatchNorm`), else nothing. */
export function prepareBatchNorm(model: PretrainedModel, config: { foldBatchNorm: boolean; balanceBatchNorm: boolean }): PretrainedModel {
  if (config.foldBatchNorm) return withBatchNormFolded(model);
  return config.balanceBatchNorm ? withBatchNormBalanced(model) : model;
}
