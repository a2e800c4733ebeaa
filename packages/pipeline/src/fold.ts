import { paramRole, type PretrainedModel } from '@softshare/core';
import { foldBatchNormWeights } from '@softshare/format';

/**
 * The model with each BatchNormalization folded into the linear layer before it
 * (`foldBatchNormWeights` of @softshare/format: Conv1D, Conv2D, DepthwiseConv2D,
 * SeparableConv2D, Dense; the same function but for float32 rounding), or the model itself
 * when there is none to fold. Before retraining, so the prior cannot shrink a kernel
 * whose scale the BatchNormalization after it undoes: on a MobileNet-style CNN the float
 * model kept its accuracy with 84% of its weights in the zero component and its quantised
 * file fell to chance (docs/RESULTS.md).
 */
export function withBatchNormFolded(model: PretrainedModel): PretrainedModel {
  const { topology, weights, folded } = foldBatchNormWeights(model.topology, model.params);
  if (folded.length === 0) return model;
  const params = weights.map((w) => ({ name: w.name, shape: [...w.shape], role: paramRole(w.name, w.shape), values: w.values }));
  const message = `folded BatchNormalization ${folded.join(', ')} into the layer${folded.length === 1 ? '' : 's'} before ${folded.length === 1 ? 'it' : 'them'} (foldBatchNorm)`;
  return { ...model, topology, params, diagnostics: [...model.diagnostics, { severity: 'info', stage: 'pipeline', message }] };
}
