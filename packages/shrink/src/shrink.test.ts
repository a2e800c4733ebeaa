import { describe, expect, it } from 'vitest';
import { lastValueFrom, of } from 'rxjs';
import { Rng, type PretrainedModel } from '@softshare/core';
import { outputFidelity, shrink, shrinkWithinBudget, TOLERANCES, topOneError, withinBudget } from './index.js';

function model(): PretrainedModel {
  const rng = new Rng(11);
  const gauss = () => rng.next() + rng.next() + rng.next() - 1.5;
  return {
    kind: 'pretrained',
    topology: {},
    diagnostics: [],
    params: [
      { name: 'a/kernel', shape: [40, 50], role: 'kernel', values: Float32Array.from({ length: 2000 }, () => gauss() * 0.2) },
      { name: 'a/bias', shape: [8], role: 'bias', values: Float32Array.from({ length: 8 }, gauss) },
      { name: 'b/kernel', shape: [50, 40], role: 'kernel', values: Float32Array.from({ length: 2000 }, () => gauss()) },
    ],
  };
}

describe('shrink stage', () => {
  it('puts each tensor on the fewest shared values within the tolerance and passes small ones through', async () => {
    const m = model();
    const q = await lastValueFrom(of(m).pipe(shrink({ tolerance: 0.01 })));
    expect(q.kind).toBe('quantized');
    expect(q.quantized.map((t) => t.name)).toEqual(['a/kernel', 'b/kernel']);
    for (const t of q.quantized) {
      const w = m.params.find((p) => p.name === t.name)!.values;
      const v = q.params.find((p) => p.name === t.name)!.values;
      let err = 0;
      let norm = 0;
      w.forEach((x, i) => ((err += (x - v[i]) ** 2), (norm += x * x)));
      expect(err / norm).toBeLessThanOrEqual(0.01);
      expect(t.codebook[0]).toBe(0);
      expect(t.codebook.length).toBeLessThan(40);
      expect(Array.from(t.codes, (c) => t.codebook[c])).toEqual(Array.from(v));
    }
    expect(q.params[1].values).toBe(m.params[1].values);
    expect(q.diagnostics.some((d) => d.layer === 'a/bias')).toBe(true);
  });

  it('fewer values for a looser tolerance; pruning zeroes at least that share; exclude keeps a layer', async () => {
    const m = model();
    const loose = await lastValueFrom(of(m).pipe(shrink({ tolerance: 0.1 })));
    const tight = await lastValueFrom(of(m).pipe(shrink({ tolerance: 0.001 })));
    expect(loose.quantized[0].codebook.length).toBeLessThan(tight.quantized[0].codebook.length);
    const pruned = await lastValueFrom(of(m).pipe(shrink({ tolerance: 0.05, prune: 0.5, exclude: ['b'] })));
    expect(pruned.quantized.map((t) => t.name)).toEqual(['a/kernel']);
    expect(pruned.quantized[0].codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(1000);
  });

  it('refuses options out of range, naming the field', () => {
    expect(() => shrink({ tolerance: 0 })).toThrow(/shrink: invalid options: tolerance/);
  });
});

describe('shrinkWithinBudget', () => {
  it('chooses the loosest tolerance whose fidelity is within the budget, trying few points', async () => {
    const m = model();
    // a stand-in fidelity: relative error of b/kernel's values
    const evaluate = async (q: { params: readonly { name: string; values: Float32Array }[] }) => {
      const ref = { values: m.params[2].values, examples: 200 };
      const cand = { values: q.params.find((p) => p.name === 'b/kernel')!.values, examples: 200 };
      return [outputFidelity(0, ref, cand, 'values')];
    };
    const r = await shrinkWithinBudget(m, { evaluate, budget: { minAgreement: 0.99, maxOutputError: 0.05 } });
    expect(r.withinBudget).toBe(true);
    expect(r.points.length).toBeLessThanOrEqual(8);
    const i = TOLERANCES.indexOf(r.tolerance);
    expect(withinBudget(r.fidelity, { minAgreement: 0.99, maxOutputError: 0.05 })).toBe(true);
    // the next looser tolerance, when tried, missed the budget
    const looser = r.points.find((p) => p.tolerance === TOLERANCES[i - 1]);
    if (looser) expect(looser.withinBudget).toBe(false);
    const never = async () => [outputFidelity(0, { values: Float32Array.of(1), examples: 1 }, { values: Float32Array.of(2), examples: 1 }, 'values')];
    const none = await shrinkWithinBudget(m, { evaluate: never });
    expect(none.withinBudget).toBe(false);
  });
});

describe('topOneError', () => {
  it('counts the examples whose largest output is not their label (logits or probabilities)', () => {
    expect(topOneError(Float32Array.of(0.1, 2, -1, 3, 0, 0), [1, 0, 0])).toBeCloseTo(1 / 3, 12); // a tie goes to the first
    expect(topOneError(Float32Array.of(0.7, 0.3), [0])).toBe(0);
  });
});

describe('outputFidelity', () => {
  it('reads probability rows as classes: agreement and mean |dp|', () => {
    const ref = { values: Float32Array.of(0.7, 0.3, 0.2, 0.8), examples: 2 };
    const cand = { values: Float32Array.of(0.6, 0.4, 0.6, 0.4), examples: 2 };
    const f = outputFidelity(0, ref, cand);
    expect(f.kind).toBe('classes');
    if (f.kind === 'classes') {
      expect(f.agreement).toBe(0.5);
      expect(f.meanAbsProbabilityDiff).toBeCloseTo((0.1 + 0.1 + 0.4 + 0.4) / 4, 6);
    }
    const v = outputFidelity(0, { values: Float32Array.of(3, 4), examples: 1 }, { values: Float32Array.of(3, 4.5), examples: 1 });
    expect(v.kind).toBe('values');
    if (v.kind === 'values') expect(v.relativeError).toBeCloseTo(0.1, 6);
  });
});

describe('sensitivity allocation', () => {
  it('gives the tensor whose error moves the outputs more a tighter tolerance', async () => {
    const m = model();
    // a stand-in damage: b/kernel's error counts 100 times a/kernel's
    const damage = async (q: { params: readonly { name: string; values: Float32Array }[] }) => {
      const err = (name: string) => {
        const w = m.params.find((p) => p.name === name)!.values;
        const v = q.params.find((p) => p.name === name)!.values;
        let e = 0;
        w.forEach((x, i) => (e += (x - v[i]) ** 2));
        return e;
      };
      return err('a/kernel') + 100 * err('b/kernel');
    };
    const evaluate = async (q: { params: readonly { name: string; values: Float32Array }[] }) => [outputFidelity(0, { values: Float32Array.of(1), examples: 1 }, { values: Float32Array.of(1 + (await damage(q))), examples: 1 }, 'values')];
    const r = await shrinkWithinBudget(m, { evaluate, damage, budget: { minAgreement: 0.99, maxOutputError: 0.5 } });
    expect(r.withinBudget).toBe(true);
    expect(r.scales.get('a/kernel')!).toBeGreaterThan(10 * r.scales.get('b/kernel')!);
  });
});

describe('half precision fallback', () => {
  it('a tensor that needs more values than a codebook holds is rounded to float16 when that is within its tolerance', async () => {
    const m = model();
    const q = await lastValueFrom(of(m).pipe(shrink({ tolerance: 1e-6, maxValues: 3 })));
    expect(q.quantized).toHaveLength(0);
    const a = q.params[0].values;
    expect(a).not.toBe(m.params[0].values);
    a.forEach((v, i) => expect(Math.abs(v - m.params[0].values[i])).toBeLessThanOrEqual(Math.abs(m.params[0].values[i]) / 1024));
    expect(q.diagnostics.find((d) => d.layer === 'a/kernel')?.message).toMatch(/^float16/);
    // tighter than float16 can do: kept as it was
    const kept = await lastValueFrom(of(m).pipe(shrink({ tolerance: 1e-12, maxValues: 3 })));
    expect(kept.params[0].values).toBe(m.params[0].values);
  });
});
