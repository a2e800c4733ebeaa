import { describe, expect, it } from 'vitest';
import * as models from './index.js';

describe('@softshare/models exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(models).sort()).toEqual([
      'INPUT_SHAPES',
      'LOSS_NAMES',
      'METRIC_NAMES',
      'MODEL_NAMES',
      'buildModel',
      'classifierOutput',
      'crossEntropy',
      'defaultMetric',
      'evaluate',
      'freezeBatchNorm',
      'fromModelData',
      'graphArtifacts',
      'graphModelData',
      'inputShapeFor',
      'inputShapesFor',
      'inputTensors',
      'isGraphArtifacts',
      'lenet300100',
      'lenet5Caffe',
      'logitsFn',
      'outputNamesOf',
      'outputsOf',
      'pretrain',
      'pretrainedModelPath',
      'resolveTask',
      'runnerOf',
      'taskOfModel',
      'taskOfTrainingConfig',
      'toArtifacts',
      'toModelData',
    ]);
  });
});
