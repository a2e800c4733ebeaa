import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type NpyArray } from 'npyjs';
import { SoftshareError } from '@softshare/core';
import { exampleSize, type Dataset, type DataSplit } from './mnist.js';
import { targetsOf, type Target } from './targets.js';

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

/** Every row of a [count, width] array holds one 1 and otherwise 0s (a one-hot class). */
function isOneHot(data: ArrayLike<number>, width: number): boolean {
  for (let i = 0; i < data.length; i += width) {
    let ones = 0;
    for (let k = 0; k < width; k++) {
      const v = data[i + k];
      if (v === 1) ones++;
      else if (v !== 0) return false;
    }
    if (ones !== 1) return false;
  }
  return true;
}

/**
 * What a targets array holds: integer classes ([count] or [count, 1] of an integer
 * dtype), one-hot rows ([count, classes] of 0s and a 1, any dtype: the class), or values
 * (floats of any other shape: regression, multi-label; `shape` one example's).
 */
export function targetOfNpy(a: NpyArray, name: string): { target: Target; oneHotWidth?: number } {
  const data = Array.from(a.data as unknown as ArrayLike<number | bigint>, Number);
  const integer = /^[iub]\d$/.test(a.dtype);
  const classes = (values: number[]): Target => {
    for (const c of values) {
      if (!Number.isInteger(c) || c < 0 || c > 255) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected class labels from 0 to 255, got ${c}`);
    }
    return { kind: 'classes', labels: Uint8Array.from(values) };
  };
  if (a.shape.length === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected one target per example, got a scalar`);
  if (integer && (a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1))) return { target: classes(data) };
  if (a.shape.length === 2 && a.shape[1] > 1 && isOneHot(data, a.shape[1])) {
    const width = a.shape[1];
    return { target: classes(Array.from({ length: a.shape[0] }, (_, i) => data.indexOf(1, i * width) - i * width)), oneHotWidth: width };
  }
  if (integer && a.shape.length === 2) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected integer labels of shape [count] or one-hot rows, got [${a.shape.join(', ')}] with rows that are not one-hot; save regression or multi-label targets as floats`);
  if (!/^f\d$/.test(a.dtype)) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected integer class labels or float targets, got dtype ${a.dtype}`);
  for (const v of data) if (!Number.isFinite(v)) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${name}: expected finite target values, got ${v}`);
  return { target: { kind: 'values', values: Float32Array.from(data), shape: a.shape.length === 1 ? [1] : a.shape.slice(1) } };
}

/**
 * A split from an inputs file (one per model input for a model with several) and one
 * targets file per model output (several for a multi-output model).
 */
export function npySplit(dir: string, inputFiles: string | readonly string[], targetFiles: string | readonly string[]): DataSplit & { oneHotWidth?: number } {
  const [inputsFile, ...moreFiles] = typeof inputFiles === 'string' ? [inputFiles] : inputFiles;
  const x = inputsOf(readNpy(dir, inputsFile), inputsFile);
  const count = x.inputs.length / exampleSize(x);
  if (count === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${inputsFile}: expected at least one example, got none`);
  const moreInputs = moreFiles.map((f) => {
    const a = inputsOf(readNpy(dir, f), f);
    const n = a.inputs.length / exampleSize(a);
    if (n !== count) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${f}: expected as many examples as ${inputsFile} (${count}), got ${n}`);
    return a;
  });
  const files = typeof targetFiles === 'string' ? [targetFiles] : targetFiles;
  const read = files.map((f) => {
    const a = readNpy(dir, f);
    const t = targetOfNpy(a, f);
    if (a.shape[0] !== count) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${f}: expected as many targets as ${inputsFile} has examples (${count}), got ${a.shape[0]}`);
    return t;
  });
  const base = { count, shape: x.shape, inputs: x.inputs, divisor: x.divisor, ...(moreInputs.length > 0 ? { moreInputs } : {}) };
  const [first] = read;
  const width = first.oneHotWidth === undefined ? {} : { oneHotWidth: first.oneHotWidth };
  if (read.length === 1 && first.target.kind === 'classes') return { ...base, labels: first.target.labels, ...width };
  return { ...base, targets: read.map((r) => r.target), ...width };
}

/** Classes of a dataset's first output: one more than its largest label (or the one-hot width); absent when it is not a classification target. */
export function classCount(train: DataSplit, test: DataSplit, widths: readonly (number | undefined)[] = []): number | undefined {
  const [a] = targetsOf(train);
  const [b] = targetsOf(test);
  if (a.kind !== 'classes' || b.kind !== 'classes') return undefined;
  let top = Math.max(...widths.map((w) => w ?? 0)) - 1;
  for (const l of a.labels) if (l > top) top = l;
  for (const l of b.labels) if (l > top) top = l;
  return top + 1;
}

/** Train and test targets of one kind and shape per output. */
export function checkSameTargets(train: DataSplit, test: DataSplit): void {
  const a = targetsOf(train);
  const b = targetsOf(test);
  const describe = (t: Target) => (t.kind === 'classes' ? 'classes' : `values [${t.shape.join(', ')}]`);
  if (a.length !== b.length || a.some((t, k) => describe(t) !== describe(b[k]))) {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected train and test targets of one kind, got ${a.map(describe).join(' + ')} and ${b.map(describe).join(' + ')}`);
  }
}

/**
 * A dataset from a folder of NumPy files (`x_train.npy`, `y_train.npy`, `x_test.npy`,
 * `y_test.npy`, as `np.save` writes them): inputs of any example shape, uint8 (divided by
 * 255) or float (as they are); targets as integer classes or one-hot rows (a classifier:
 * the class count is one more than the largest label, or the one-hot width) or floats of
 * any other shape (regression: `targets` of kind values).
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
  checkSameTargets(train, test);
  const numClasses = classCount(train, test, [trainWidth, testWidth]);
  return { name: dir, train, test, ...(numClasses === undefined ? {} : { numClasses }) };
}
