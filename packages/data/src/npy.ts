import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type NpyArray } from 'npyjs';
import { SoftshareError } from '@softshare/core';
import { exampleSize, type Dataset, type DataSplit } from './mnist.js';

/** The four files a NumPy dataset folder holds, as `np.save` writes them. */
export const NPY_FILES = { trainInputs: 'x_train.npy', trainLabels: 'y_train.npy', testInputs: 'x_test.npy', testLabels: 'y_test.npy' } as const;

function readNpy(dir: string, name: string): NpyArray {
  const path = join(dir, name);
  if (!existsSync(path)) throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Expected ${name} in the NumPy dataset folder ${dir}, got no such file`);
  const bytes = readFileSync(path);
  let array: NpyArray;
  try {
    array = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (cause) {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: not a readable .npy file (${String((cause as Error).message).split('\n')[0]})`, { cause });
  }
  if (array.fortranOrder) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected C (row-major) order, got Fortran order; save it with np.save(np.ascontiguousarray(x))`);
  return array;
}

/** Inputs: uint8 (divided by 255) or float32 / float64 (as they are). */
function inputsOf(a: NpyArray, name: string): { inputs: Uint8Array | Float32Array; divisor: number; shape: number[] } {
  if (a.shape.length < 2) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected at least 2 dimensions [count, ...example shape], got [${a.shape.join(', ')}]`);
  const shape = a.shape.slice(1);
  if (a.dtype === 'u1') return { inputs: a.data as Uint8Array, divisor: 255, shape };
  if (a.dtype === 'f4') return { inputs: a.data as Float32Array, divisor: 1, shape };
  if (a.dtype === 'f8' || a.dtype === 'f2') return { inputs: Float32Array.from(a.data as Float64Array), divisor: 1, shape };
  throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected uint8 or float inputs, got dtype ${a.dtype}; convert with x.astype(np.float32)`);
}

/** Labels: one integer class per example, or one-hot rows (the class is the row's largest entry; `width` the row length). */
function labelsOf(a: NpyArray, name: string): { labels: Uint8Array; width?: number } {
  const data = Array.from(a.data as unknown as ArrayLike<number | bigint>, Number);
  let classes: number[];
  if (a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1)) {
    if (!/^[iu]\d$/.test(a.dtype)) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected integer class labels, got dtype ${a.dtype}`);
    classes = data;
  } else if (a.shape.length === 2) {
    const width = a.shape[1];
    classes = Array.from({ length: a.shape[0] }, (_, i) => {
      let best = 0;
      for (let k = 1; k < width; k++) if (data[i * width + k] > data[i * width + best]) best = k;
      return best;
    });
  } else {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected labels of shape [count] or one-hot [count, classes], got [${a.shape.join(', ')}]`);
  }
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c > 255) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected class labels from 0 to 255, got ${c}`);
  }
  return { labels: Uint8Array.from(classes), ...(a.shape.length === 2 && a.shape[1] > 1 ? { width: a.shape[1] } : {}) };
}

export function npySplit(dir: string, inputsFile: string, labelsFile: string): DataSplit & { oneHotWidth?: number } {
  const x = inputsOf(readNpy(dir, inputsFile), inputsFile);
  const { labels, width } = labelsOf(readNpy(dir, labelsFile), labelsFile);
  const count = x.inputs.length / exampleSize(x);
  if (count === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${inputsFile}: expected at least one example, got none`);
  if (labels.length !== count) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${labelsFile}: expected as many labels as ${inputsFile} has examples (${count}), got ${labels.length}`);
  return { count, shape: x.shape, inputs: x.inputs, divisor: x.divisor, labels, ...(width === undefined ? {} : { oneHotWidth: width }) };
}

/**
 * A classification dataset from a folder of NumPy files (`x_train.npy`, `y_train.npy`,
 * `x_test.npy`, `y_test.npy`, as `np.save` writes them): inputs of any example shape,
 * uint8 (divided by 255) or float (as they are); labels as integers or one-hot rows. The
 * class count is one more than the largest label (or the one-hot width).
 *
 * @example
 * const data = loadNpyFolder('my-data/'); // then carveValidation(data, 5000)
 */
export function loadNpyFolder(dir: string): Dataset {
  const { oneHotWidth: trainWidth, ...train } = npySplit(dir, NPY_FILES.trainInputs, NPY_FILES.trainLabels);
  const { oneHotWidth: testWidth, ...test } = npySplit(dir, NPY_FILES.testInputs, NPY_FILES.testLabels);
  if (train.shape.join('x') !== test.shape.join('x')) {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected train and test examples of one shape, got ${train.shape.join('x')} and ${test.shape.join('x')}`);
  }
  let top = Math.max(trainWidth ?? 0, testWidth ?? 0) - 1;
  for (const l of train.labels) if (l > top) top = l;
  for (const l of test.labels) if (l > top) top = l;
  return { name: dir, train, test, numClasses: top + 1 };
}
