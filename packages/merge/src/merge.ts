import { map } from 'rxjs';
import { z } from 'zod';
import { defineStage, type MergedModel, type RetrainedModel } from '@softshare/core';
import { mergeComponents } from './kl-merge.js';

/** Options of the merge stage. */
export const mergeOptionsSchema = z.strictObject({
  /** Merge two components when their KL divergence is below this (default: 1e-10, the tutorial's). */
  threshold: z.number().nonnegative().default(1e-10),
});

/**
 * The merge stage: merge near-identical mixture components of a RetrainedModel by KL
 * divergence; the weights pass through unchanged.
 *
 * @example
 * of(retrained).pipe(merge({ threshold: 1e-10 }))
 */
export const merge = defineStage('merge', mergeOptionsSchema, (opts) =>
  map((m: RetrainedModel): MergedModel => {
    const { mixture } = mergeComponents(m.mixture, opts.threshold);
    const merged = m.mixture.means.length - mixture.means.length;
    return {
      kind: 'merged',
      topology: m.topology,
      params: m.params,
      mixture,
      underPrior: m.underPrior,
      diagnostics: [...m.diagnostics, { severity: 'info', stage: 'merge', message: `${m.mixture.means.length} components -> ${mixture.means.length} (${merged} merged, threshold ${opts.threshold})` }],
    };
  }),
);
