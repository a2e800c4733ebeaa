import { describe, expect, it } from 'vitest';
import * as data from './index.js';

describe('@softshare/data exports', () => {
  it('lists exactly the public API', () => {
    expect(Object.keys(data).sort()).toEqual([
      'CSV_FILES',
      'DEFAULT_VALIDATION_SIZE',
      'MNIST_FILES',
      'NPY_FILES',
      'calibrationInputs',
      'carveValidation',
      'checkPreprocessing',
      'checkTargets',
      'encodeIdx',
      'epochOrder',
      'exampleSize',
      'inputArrays',
      'loadCalibration',
      'loadCsvFolder',
      'loadData',
      'loadImageFolder',
      'loadManifest',
      'loadMnist',
      'loadNpyFolder',
      'makeBatch',
      'mnistPackageDir',
      'normaliseInPlace',
      'parseIdx',
      'preprocessingOf',
      'readIdxFile',
      'readManifest',
      'sequentialBatches',
      'shiftBatch',
      'splitFromTfDataset',
      'syntheticCalibration',
      'takeFirst',
      'targetSize',
      'targetsOf',
      'withPreprocessing',
    ]);
  });
});
