import { SoftshareError } from '@softshare/core';
import type { DataSplit } from './mnist.js';

/**
 * What one model output is trained toward, one entry per example: a class index
 * (classification; batches hold one-hot rows) or a row of values (regression, binary or
 * multi-label targets; `shape` is one example's, e.g. [1] or [3]).
 */
export type Target =
  | { readonly kind: 'classes'; readonly labels: Uint8Array }
  | { readonly kind: 'values'; readonly values: Float32Array; readonly shape: readonly number[] };

/**
 * What softshare reads of a task (the loss and metric of each output): the shape of
 * @softshare/models' `TaskSpec`, declared here without tfjs types. One entry per model
 * output, or one for a single-output model.
 */
export interface OutputTaskLike {
  readonly loss?: string | ((yTrue: never, yPred: never) => unknown);
  readonly metric?: string | { readonly name: string; readonly perExample: (yTrue: never, yPred: never) => unknown };
  readonly weight?: number;
  readonly output?: 'probabilities' | 'logits';
}
export type TaskSpecLike = OutputTaskLike | readonly OutputTaskLike[];

/** Values per example of a target: 1 for a class index, else the product of its shape. */
export function targetSize(t: Target): number {
  return t.kind === 'classes' ? 1 : t.shape.reduce((a, b) => a * b, 1);
}

/** A split's targets, one per model output: `targets` when it has them, else its `labels` as one classification target. */
export function targetsOf(split: Pick<DataSplit, 'labels' | 'targets'>): readonly Target[] {
  if (split.targets) return split.targets;
  if (split.labels) return [{ kind: 'classes', labels: split.labels }];
  throw new SoftshareError('E_DATA_MISMATCH', 'data', 'Expected a split with labels or targets, got neither');
}

/** The examples `idx` of every target (copies). */
export function gatherTargets(targets: readonly Target[], idx: readonly number[]): Target[] {
  return targets.map((t) => {
    if (t.kind === 'classes') return { kind: 'classes', labels: Uint8Array.from(idx, (i) => t.labels[i]) };
    const w = targetSize(t);
    const values = new Float32Array(idx.length * w);
    idx.forEach((i, k) => values.set(t.values.subarray(i * w, (i + 1) * w), k * w));
    return { kind: 'values', values, shape: t.shape };
  });
}

/** The first `n` examples of every target (views). */
export function firstTargets(targets: readonly Target[], n: number): Target[] {
  return targets.map((t) => (t.kind === 'classes' ? { kind: 'classes', labels: t.labels.subarray(0, n) } : { kind: 'values', values: t.values.subarray(0, n * targetSize(t)), shape: t.shape }));
}

/** Check each target has `count` examples' worth of values (one line naming the output otherwise). */
export function checkTargets(targets: readonly Target[], count: number, what: string): void {
  if (targets.length === 0) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${what}: expected at least one target, got none`);
  targets.forEach((t, k) => {
    const got = t.kind === 'classes' ? t.labels.length : t.values.length / targetSize(t);
    if (got !== count) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${what}: expected ${count} targets for output ${k} (one per example), got ${got}`);
    if (t.kind === 'values') for (const v of t.values) if (!Number.isFinite(v)) throw new SoftshareError('E_DATA_MISMATCH', 'data', `${what}: expected finite target values for output ${k}, got ${v}`);
  });
}
