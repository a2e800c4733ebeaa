export {
  countParams,
  sizeOf,
  type Diagnostic,
  type MergedModel,
  type Mixture,
  type ModelArtefact,
  type ModelData,
  type ParamRole,
  type ParamTensor,
  type PretrainedModel,
  type QuantizedModel,
  type QuantizedTensor,
  type RetrainedModel,
} from './artefacts.js';
export { cancellableStage } from './cancellable-stage.js';
export { compactCodebook, dequantize, fitCodebook, nearestNonZeroCode } from './codebook.js';
export { isSoftshareError, SoftshareError, type SoftshareErrorCode } from './errors.js';
export {
  createProgressChannel,
  silentProgress,
  type ProgressChannel,
  type ProgressEvent,
} from './progress.js';
export { Rng, type RngState } from './rng.js';
export { defineStage, formatOptionsError, parseOptions, type StageContext, type StageFactory } from './stage.js';
export { closeOrMessage, leakedTensors, type TensorCounter } from './testing.js';
