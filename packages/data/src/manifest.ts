import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { SoftshareError } from '@softshare/core';
import { readIdxFile } from './idx.js';
import { idxSplit, inputArrays, type Dataset, type DataSplit } from './mnist.js';
import { checkSameTargets, classCount, npySplit } from './npy.js';
import { checkPreprocessing, splitWithPreprocessing, withPreprocessing, type Preprocessing } from './preprocessing.js';

/**
 * A JSON data manifest: the files of each split under any names (IDX or .npy, told apart by
 * the `.npy` extension), or a folder `loadData` reads; the preprocessing; the validation
 * size. Paths are relative to the manifest.
 *
 * @example
 * { "train": { "inputs": "imgs-train.idx", "labels": "labels-train.idx" },
 *   "test": { "inputs": "imgs-test.idx", "labels": "labels-test.idx" },
 *   "preprocessing": { "divisor": 255, "mean": [0.1307], "std": [0.3081] }, "validation": 5000 }
 * // a model with two inputs and two outputs:
 * { "train": { "inputs": ["img-train.npy", "meta-train.npy"], "labels": ["y-train.npy", "z-train.npy"] }, ... }
 */
export interface DataManifest {
  /** A folder `loadData` reads (instead of `train` / `test`). */
  readonly folder?: string;
  /**
   * `inputs`: one file, or (.npy) one per model input in the model's input order;
   * `labels`: one file, or (.npy) one per model output: classes, one-hot rows or float
   * targets.
   */
  readonly train?: ManifestSplit;
  readonly test?: ManifestSplit;
  /** One preprocessing for the (first) input, or a list with one per model input, in the model's input order (`{}`: as loaded). */
  readonly preprocessing?: Partial<Preprocessing> | readonly Partial<Preprocessing>[];
  /** Training examples held out as the validation split (the CLI's --validation wins). */
  readonly validation?: number;
}

export interface ManifestSplit {
  readonly inputs: string | readonly string[];
  readonly labels: string | readonly string[];
}

const KEYS = ['folder', 'train', 'test', 'preprocessing', 'validation'];

function bad(path: string, why: string): never {
  throw new SoftshareError('E_DATA_MISMATCH', 'data', `${basename(path)}: ${why}`);
}

/** Read and check a manifest file (one coded line for anything it cannot use). */
export function readManifest(path: string): DataManifest {
  if (!existsSync(path)) throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Expected a data manifest at ${path}, got no such file`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new SoftshareError('E_DATA_MISMATCH', 'data', `${basename(path)}: expected a JSON data manifest, got a parse error (${(cause as Error).message})`, { cause });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) bad(path, 'expected a JSON object');
  const m = raw as Record<string, unknown>;
  const unknown = Object.keys(m).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) bad(path, `unknown key "${unknown[0]}" (a manifest has ${KEYS.join(', ')})`);
  const pair = (k: 'train' | 'test') => {
    const v = m[k];
    if (v === undefined) return undefined;
    const o = v as Record<string, unknown>;
    const labels = o?.labels;
    const fileOrNpyList = (x: unknown) => typeof x === 'string' || (Array.isArray(x) && x.length > 0 && x.every((f) => typeof f === 'string' && f.endsWith('.npy')));
    if (v === null || typeof v !== 'object' || !fileOrNpyList(o.inputs) || !fileOrNpyList(labels) || Object.keys(o).length !== 2) bad(path, `expected ${k} to be { "inputs": file or a list of .npy files (one per input), "labels": file or a list of .npy files (one per output) }, got ${JSON.stringify(v)}`);
    return { inputs: o.inputs as string | string[], labels: labels as string | string[] };
  };
  const train = pair('train');
  const test = pair('test');
  if (m.folder !== undefined && typeof m.folder !== 'string') bad(path, `expected folder to be a path, got ${JSON.stringify(m.folder)}`);
  if ((m.folder === undefined) === (train === undefined || test === undefined)) bad(path, 'expected either "folder" or both "train" and "test"');
  const v = m.validation;
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) bad(path, `expected validation to be a whole number of examples, got ${JSON.stringify(v)}`);
  const p = m.preprocessing;
  const one = (x: unknown) => {
    const o = x as Record<string, unknown>;
    if (o === null || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).some((k) => !['divisor', 'mean', 'std'].includes(k))) bad(path, `expected preprocessing to be { "divisor"?, "mean"?, "std"? } or a list of them (one per input), got ${JSON.stringify(p)}`);
    const nums = (n: unknown) => n === undefined || (Array.isArray(n) && n.length > 0 && n.every((v) => typeof v === 'number'));
    if ((o.divisor !== undefined && typeof o.divisor !== 'number') || !nums(o.mean) || !nums(o.std)) bad(path, `expected preprocessing numbers (divisor a number, mean and std lists), got ${JSON.stringify(o)}`);
  };
  if (p !== undefined) {
    if (Array.isArray(p)) {
      if (p.length === 0) bad(path, 'expected preprocessing to list one { "divisor"?, "mean"?, "std"? } per input, got an empty list');
      p.forEach(one);
    } else one(p);
  }
  return { ...(m.folder === undefined ? {} : { folder: m.folder as string }), ...(train ? { train } : {}), ...(test ? { test } : {}), ...(p !== undefined ? { preprocessing: p as DataManifest['preprocessing'] } : {}), ...(v === undefined ? {} : { validation: v as number }) };
}

function splitOf(dir: string, files: ManifestSplit, what: string): DataSplit & { oneHotWidth?: number } {
  const list = (x: string | readonly string[]) => (typeof x === 'string' ? [x] : x);
  for (const f of [...list(files.inputs), ...list(files.labels)]) {
    if (!existsSync(resolve(dir, f))) throw new SoftshareError('E_DATA_NOT_FOUND', 'data', `Expected the manifest's ${what} file ${f} in ${dir}, got no such file`);
  }
  if (typeof files.inputs !== 'string' || typeof files.labels !== 'string') {
    if (typeof files.inputs === 'string' && !files.inputs.endsWith('.npy')) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${what}: expected .npy inputs with a list of .npy label files, got ${files.inputs}`);
    if (typeof files.labels === 'string' && !files.labels.endsWith('.npy')) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${what}: expected .npy labels with a list of .npy input files, got ${files.labels}`);
    return npySplit(dir, files.inputs, files.labels);
  }
  const npy = files.inputs.endsWith('.npy');
  if (npy !== files.labels.endsWith('.npy')) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${what}: expected inputs and labels of one kind (both .npy or both IDX), got ${files.inputs} and ${files.labels}`);
  if (npy) return npySplit(dir, files.inputs, files.labels);
  return idxSplit(readIdxFile(resolve(dir, files.inputs)), readIdxFile(resolve(dir, files.labels)), what, 255);
}

/**
 * The dataset a manifest describes, its preprocessing applied. `loadFolder` reads a
 * `folder` manifest (loadData passes itself).
 */
export function loadManifest(path: string, loadFolder: (dir: string) => Dataset): Dataset {
  const m = readManifest(path);
  const dir = dirname(resolve(path));
  let data: Dataset;
  if (m.folder !== undefined) {
    data = loadFolder(resolve(dir, m.folder));
  } else {
    const { oneHotWidth: w1, ...train } = splitOf(dir, m.train!, 'train');
    const { oneHotWidth: w2, ...test } = splitOf(dir, m.test!, 'test');
    const shapes = (sp: DataSplit) => inputArrays(sp).map((a) => a.shape.join('x')).join(' + ');
    if (shapes(train) !== shapes(test)) throw new SoftshareError('E_DATA_MISMATCH', 'data', `Expected train and test examples of one shape, got ${shapes(train)} and ${shapes(test)}`);
    checkSameTargets(train, test);
    const numClasses = classCount(train, test, [w1, w2]);
    data = { name: path, train, test, ...(numClasses === undefined ? {} : { numClasses }) };
  }
  if (!m.preprocessing) return data;
  const list = Array.isArray(m.preprocessing) ? (m.preprocessing as readonly Partial<Preprocessing>[]) : [m.preprocessing as Partial<Preprocessing>];
  const arrays = inputArrays(data.train);
  if (Array.isArray(m.preprocessing) && list.length !== arrays.length) bad(path, `expected preprocessing to list one entry per input (${arrays.length}), got ${list.length}`);
  list.forEach((p, k) => checkPreprocessing({ divisor: p.divisor ?? arrays[k].divisor, ...p }, arrays[k].shape, `${basename(path)}: preprocessing${Array.isArray(m.preprocessing) ? `[${k}]` : ''}`));
  const [first, ...more] = list;
  const withMore = (s: DataSplit): DataSplit => (more.length === 0 || !s.moreInputs ? s : { ...s, moreInputs: s.moreInputs.map((a, k) => splitWithPreprocessing(a, more[k])) });
  const done = withPreprocessing(data, first);
  return { ...done, train: withMore(done.train), ...(done.validation ? { validation: withMore(done.validation) } : {}), test: withMore(done.test) };
}
