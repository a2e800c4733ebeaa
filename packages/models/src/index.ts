export { buildModel, INPUT_SHAPES, lenet300100, lenet5Caffe, MODEL_NAMES, type ModelName } from './architectures.js';
export { evaluate, inputShapeFor, inputShapesFor, inputTensors, type EvaluateOptions, type Evaluation, type OutputEvaluation } from './evaluate.js';
export { classifierOutput, crossEntropy, logitsFn } from './logits.js';
export { freezeBatchNorm } from './freeze-batchnorm.js';
export { fromModelData, toArtifacts, toModelData } from './model-data.js';
export { pretrain, type PretrainEpoch, type PretrainOptions } from './pretrain.js';
export { pretrainedModelPath } from './pretrained.js';
export {
  defaultMetric,
  LOSS_NAMES,
  METRIC_NAMES,
  outputNamesOf,
  resolveTask,
  taskOfModel,
  taskOfTrainingConfig,
  type LossFunction,
  type LossName,
  type MetricFunction,
  type MetricName,
  type OutputTask,
  type ResolvedOutput,
  type Task,
  type TaskSpec,
} from './task.js';
export { graphArtifacts, graphModelData, isGraphArtifacts, outputsOf, runnerOf, type Runner } from './graph.js';
