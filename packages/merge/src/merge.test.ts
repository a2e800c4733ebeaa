import { firstValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Mixture, RetrainedModel } from '@softshare/core';
import { klDivergence, merge, mergeComponents } from './index.js';

const mix = (means: number[], stds: number[], pis: number[]): Mixture => ({
  means: Float64Array.from(means),
  variances: Float64Array.from(stds, (s) => s * s),
  proportions: Float64Array.from(pis),
});

describe('klDivergence', () => {
  it('is 0 for identical Gaussians and matches the closed form', () => {
    expect(klDivergence(0.3, 0.01, 0.3, 0.01)).toBeCloseTo(0, 14);
    // KL(N(0,1) || N(1,4)) = log 2 + (1 + 1) / 8 - 0.5
    expect(klDivergence(0, 1, 1, 4)).toBeCloseTo(Math.log(2) + 2 / 8 - 0.5, 12);
  });
});

describe('mergeComponents', () => {
  it('merges transitively with pi-weighted mean and variance', () => {
    const m = mix([0, 0.1, 0.1000001, 0.1000002, 0.5], [0.02, 0.02, 0.02, 0.02, 0.02], [0.9, 0.03, 0.03, 0.02, 0.02]);
    const { mixture, mapping } = mergeComponents(m, 1e-3);
    expect(Array.from(mapping)).toEqual([0, 1, 1, 1, 2]);
    expect(mixture.means.length).toBe(3);
    expect(mixture.proportions[1]).toBeCloseTo(0.08, 12);
    expect(mixture.means[1]).toBeCloseTo((0.03 * 0.1 + 0.03 * 0.1000001 + 0.02 * 0.1000002) / 0.08, 12);
    expect(mixture.proportions.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
  });

  it('makes the merged mean nearest zero exactly 0 and component 0', () => {
    const m = mix([0, 0.3, -0.2, 0.0001], [0.02, 0.02, 0.02, 0.02], [0.5, 0.2, 0.2, 0.1]);
    const { mixture } = mergeComponents(m, 0.1);
    expect(mixture.means[0]).toBe(0);
    expect(Array.from(mixture.means)).toEqual([0, -0.2, 0.3]);
    expect(mixture.proportions[0]).toBeCloseTo(0.6, 12);
  });

  it('leaves distinct components alone at the tutorial threshold', () => {
    const m = mix([0, -0.2, 0.2], [0.02, 0.02, 0.02], [0.9, 0.05, 0.05]);
    expect(mergeComponents(m, 1e-10).mixture.means.length).toBe(3);
  });
});

describe('merge stage', () => {
  it('turns a RetrainedModel into a MergedModel with a diagnostic', async () => {
    const input: RetrainedModel = {
      kind: 'retrained',
      topology: {},
      params: [],
      diagnostics: [],
      underPrior: ['fc1/kernel'],
      mixture: mix([0, 0.1, 0.1], [0.02, 0.02, 0.02], [0.9, 0.05, 0.05]),
    };
    const out = await firstValueFrom(of(input).pipe(merge()));
    expect(out.kind).toBe('merged');
    expect(out.mixture.means.length).toBe(2);
    expect(out.diagnostics[0].message).toMatch(/3 components -> 2/);
  });

  it('rejects a negative threshold at assembly', () => {
    expect(() => merge({ threshold: -1 })).toThrow(/merge: invalid options: threshold/);
  });
});
