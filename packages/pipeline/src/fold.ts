import { paramRole, type PretrainedModel } from '@softshare/core';
import { foldBatchNormalization } from '@softshare/format';
import { toArtifacts } from '@softshare/models';

/**
 * The model with each BatchNormalization folded into the linear layer before it
 * (`foldBatchNormalization` of @softshare/format: Conv1D, Conv2D, DepthwiseConv2D,
 * SeparableConv2D, Dense; the same function but for float32 rounding), or the model itself
 * when there is none to fold. Before retraining, so the prior cannot shrink a kernel
 * whose scale the BatchNormalization after it undoes: on a MobileNet-style CNN the float
 * model kept its accuracy with 84% of its weights in the zero component and its quantised
 * file fell to chance (docs/RESULTS.md).
 */
export function withBatchNormFolded(model: PretrainedModel): PretrainedModel {
  const { artifacts, folded } = foldBatchNormalization(toArtifacts(model));
  if (folded.length === 0) return model;
  const data = new Float32Array(artifacts.weightData as ArrayBuffer);
  let at = 0;
  const params = artifacts.weightSpecs!.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const values = data.slice(at, at + n);
    at += n;
    return { name: s.name, shape: [...s.shape], role: paramRole(s.name, s.shape), values };
  });
  const message = `folded BatchNormalization ${folded.join(', ')} into the layer${folded.length === 1 ? '' : 's'} before ${folded.length === 1 ? 'it' : 'them'} (foldBatchNorm)`;
  return { ...model, topology: artifacts.modelTopology as PretrainedModel['topology'], params, diagnostics: [...model.diagnostics, { severity: 'info', stage: 'pipeline', message }] };
}
