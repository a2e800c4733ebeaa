export { epochOrder, makeBatch, sequentialBatches, type Batch } from './batches.js';
export { shiftBatch } from './augment.js';
export { encodeIdx, parseIdx, readIdxFile, type IdxArray } from './idx.js';
export {
  carveValidation,
  DEFAULT_VALIDATION_SIZE,
  exampleSize,
  inputArrays,
  loadMnist,
  MNIST_FILES,
  mnistPackageDir,
  takeFirst,
  type Dataset,
  type DataSplit,
  type InputArray,
} from './mnist.js';
export { loadData } from './load.js';
export { loadNpyFolder, NPY_FILES } from './npy.js';
export { loadImageFolder } from './image-folder.js';
export { splitFromTfDataset, type TfDatasetLike } from './tf-dataset.js';
export { CSV_FILES, loadCsvFolder } from './csv.js';
export { checkPreprocessing, normaliseInPlace, preprocessingOf, withPreprocessing, type Preprocessing } from './preprocessing.js';
export { loadManifest, readManifest, type DataManifest } from './manifest.js';
export { checkTargets, targetSize, targetsOf, type OutputTaskLike, type Target, type TaskSpecLike } from './targets.js';
export { calibrationInputs, loadCalibration, syntheticCalibration, type Calibration } from './calibration.js';
