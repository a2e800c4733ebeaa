export { buildModel, INPUT_SHAPES, lenet300100, lenet5Caffe, MODEL_NAMES, type ModelName } from './architectures.js';
export { evaluate, inputShapeFor, type Evaluation } from './evaluate.js';
export { classifierOutput, crossEntropy, logitsFn } from './logits.js';
export { fromModelData, toArtifacts, toModelData } from './model-data.js';
export { pretrain, type PretrainEpoch, type PretrainOptions } from './pretrain.js';
export { pretrainedModelPath } from './pretrained.js';
