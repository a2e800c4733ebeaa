import { SoftshareError } from '@softshare/core';
import type { Dataset, DataSplit } from './mnist.js';

/**
 * What reaches the model: input / divisor, then (x - mean) / std, with mean and std one value
 * for every input or one per channel (the last axis of the example shape). Recorded in the
 * summary and in the .sws header, so `eval` and a user loading the file apply the same.
 */
export interface Preprocessing {
  readonly divisor: number;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
}

/** The preprocessing a split applies (the default mean 0 / std 1 left out). */
export function preprocessingOf(split: Pick<DataSplit, 'divisor' | 'mean' | 'std'>): Preprocessing {
  return { divisor: split.divisor, ...(split.mean ? { mean: split.mean } : {}), ...(split.std ? { std: split.std } : {}) };
}

/** Check a preprocessing against an example shape: positive finite divisor and std, mean/std of length 1 or the channel count. */
export function checkPreprocessing(p: Preprocessing, shape: readonly number[], where = 'preprocessing'): void {
  const channels = shape.length > 0 ? shape[shape.length - 1] : 1;
  if (!(Number.isFinite(p.divisor) && p.divisor > 0)) throw new SoftshareError('E_OPTIONS', 'data', `${where}: expected the divisor to be a positive number, got ${p.divisor}`);
  for (const [name, values] of [['mean', p.mean], ['std', p.std]] as const) {
    if (values === undefined) continue;
    if (values.length !== 1 && values.length !== channels) throw new SoftshareError('E_OPTIONS', 'data', `${where}: expected ${name} to have 1 value or one per channel (${channels}, the last axis of [${shape.join(', ')}]), got ${values.length}`);
    for (const v of values) {
      if (!Number.isFinite(v) || (name === 'std' && v <= 0)) throw new SoftshareError('E_OPTIONS', 'data', `${where}: expected every ${name} value to be ${name === 'std' ? 'a positive number' : 'finite'}, got ${v}`);
    }
  }
}

/**
 * The dataset with its inputs preprocessed as given: a divisor replacing the loader's (255 for
 * uint8, 1 for float), and mean / std per channel. Every split gets the same.
 *
 * @example
 * const data = withPreprocessing(loadImageFolder('pets/'), { divisor: 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
 */
export function withPreprocessing(data: Dataset, p: Partial<Preprocessing>): Dataset {
  const apply = (s: DataSplit): DataSplit => splitWithPreprocessing(s, p);
  return { ...data, train: apply(data.train), ...(data.validation ? { validation: apply(data.validation) } : {}), test: apply(data.test) };
}

/** One split (or any inputs with a shape and a preprocessing) with the preprocessing given, checked; what it does not give stays. */
export function splitWithPreprocessing<S extends Pick<DataSplit, 'shape' | 'divisor' | 'mean' | 'std'>>(s: S, p: Partial<Preprocessing>): S {
  const next = { ...s, divisor: p.divisor ?? s.divisor, ...(p.mean ? { mean: [...p.mean] } : {}), ...(p.std ? { std: [...p.std] } : {}) };
  checkPreprocessing(next, s.shape);
  return next;
}

/** Normalise values already divided by the divisor, in place: (x - mean[c]) / std[c], c the channel of each value. */
export function normaliseInPlace(x: Float32Array, p: Pick<Preprocessing, 'mean' | 'std'>): void {
  const { mean, std } = p;
  if (!mean && !std) return;
  const channels = Math.max(mean?.length ?? 1, std?.length ?? 1);
  for (let i = 0; i < x.length; i++) {
    const c = channels === 1 ? 0 : i % channels;
    const m = mean ? mean[mean.length === 1 ? 0 : c] : 0;
    const sd = std ? std[std.length === 1 ? 0 : c] : 1;
    x[i] = (x[i] - m) / sd;
  }
}
