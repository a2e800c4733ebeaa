export {
  countParams,
  sizeOf,
  type ConstantTensor,
  type Diagnostic,
  type GraphExtras,
  type MergedModel,
  type Mixture,
  type ModelArtefact,
  type ModelData,
  paramRole,
  type ParamRole,
  type ParamTensor,
  type PretrainedModel,
  type QuantizedModel,
  type QuantizedTensor,
  type RetrainedModel,
} from './artefacts.js';
export { cancellableStage } from './cancellable-stage.js';
export { compactCodebook, dequantize, fitCodebook, nearestNonZeroCode, roundToDigits, weightTensors } from './codebook.js';
export { isSoftshareError, SoftshareError, type SoftshareErrorCode } from './errors.js';
export {
  createProgressChannel,
  formatFigures,
  silentProgress,
  type EventValues,
  type Figure,
  type Figures,
  type ProgressChannel,
  type ProgressEvent,
} from './progress.js';
export { Rng, type RngState } from './rng.js';
export { defineStage, formatOptionsError, parseOptions, type StageContext, type StageFactory } from './stage.js';
export { defineTrainingStage, type TrainingRun, type TrainingStageFactory } from './training-stage.js';
export { closeOrMessage, errorLine, leakedTensors, type TensorCounter } from './testing.js';
export { concatBytes, fromFloat16Bytes, toFloat16Bytes } from './bytes.js';
