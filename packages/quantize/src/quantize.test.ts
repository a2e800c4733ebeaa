import { firstValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { MergedModel, Mixture } from '@softshare/core';
import { dequantize } from '@softshare/core';
import { quantize, quantizeTensor, quantizeValues } from './index.js';

const mixture: Mixture = {
  means: Float64Array.from([0, -0.2, 0.1, 0.3]),
  variances: Float64Array.from([0.02, 0.02, 0.02, 0.02], (s) => s * s),
  proportions: Float64Array.from([0.97, 0.01, 0.01, 0.01]),
};

describe('quantizeTensor', () => {
  it('maps weights to component means, zero component to exactly 0', () => {
    const w = Float32Array.from([0.001, -0.19, 0.11, 0.29, -0.005, 0.31, 0]);
    const q = quantizeTensor('k', [7], w, mixture, 'map');
    expect(Array.from(q.codebook)).toEqual([0, Math.fround(-0.2), Math.fround(0.1), Math.fround(0.3)]);
    expect(Array.from(dequantize(q))).toEqual([0, -0.2, 0.1, 0.3, 0, 0.3, 0].map(Math.fround));
    expect(Object.is(dequantize(q)[0], 0)).toBe(true);
  });

  it('keeps only used components in the codebook, at most J values', () => {
    const w = Float32Array.from([0.3, 0.3, 0]);
    const q = quantizeTensor('k', [3], w, mixture, 'map');
    expect(Array.from(q.codebook)).toEqual([0, Math.fround(0.3)]);
    expect(Array.from(q.codes)).toEqual([1, 1, 0]);
  });

  it('prunes more with MAP than with maximum likelihood', () => {
    const w = Float32Array.from([0.05, 0.06, -0.1]);
    const map = quantizeTensor('k', [3], w, mixture, 'map');
    const ml = quantizeTensor('k', [3], w, mixture, 'ml');
    const zeros = (c: Uint8Array) => c.filter((x) => x === 0).length;
    expect(zeros(map.codes)).toBeGreaterThan(zeros(ml.codes));
  });
});

describe('quantize stage', () => {
  it('quantises tensors under the prior and passes others through with a diagnostic', async () => {
    const input: MergedModel = {
      kind: 'merged',
      topology: {},
      mixture,
      underPrior: ['fc/kernel'],
      diagnostics: [],
      params: [
        { name: 'fc/kernel', shape: [2, 2], role: 'kernel', values: Float32Array.from([0.29, 0.01, -0.21, 0.1]) },
        { name: 'fc/bias', shape: [2], role: 'bias', values: Float32Array.from([0.123, -0.456]) },
      ],
    };
    const out = await firstValueFrom(of(input).pipe(quantize()));
    expect(out.kind).toBe('quantized');
    expect(out.quantized.map((q) => q.name)).toEqual(['fc/kernel']);
    expect(Array.from(out.params[0].values)).toEqual([0.3, 0, -0.2, 0.1].map(Math.fround));
    expect(Array.from(out.params[1].values)).toEqual(Array.from(input.params[1].values));
    expect(out.diagnostics).toEqual([
      { severity: 'info', stage: 'quantize', layer: 'fc/bias', message: 'not under the prior: passed through unquantised' },
    ]);
    expect(out.params[1].values).toBe(input.params[1].values);
  });

  it('puts biases on shared values by biasValues: zeros stay 0, the rest clustered, at most that many', async () => {
    const bias = Float32Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 0 : Math.sin(i)));
    const input: MergedModel = {
      kind: 'merged',
      topology: {},
      mixture,
      underPrior: ['fc/kernel'],
      diagnostics: [],
      params: [
        { name: 'fc/kernel', shape: [2, 40], role: 'kernel', values: new Float32Array(80).fill(0.1) },
        { name: 'fc/bias', shape: [40], role: 'bias', values: bias },
      ],
    };
    const out = await firstValueFrom(of(input).pipe(quantize({ biasValues: 4 })));
    const q = out.quantized.find((t) => t.name === 'fc/bias')!;
    expect(q.codebook.length).toBeLessThanOrEqual(5);
    expect(q.codebook[0]).toBe(0);
    const values = out.params[1].values;
    expect(Array.from(values)).toEqual(Array.from(dequantize(q)));
    bias.forEach((b, i) => (b === 0 ? expect(values[i]).toBe(0) : expect(Math.abs(values[i] - b)).toBeLessThan(0.5)));
    // few distinct values are kept exactly; the choice is deterministic
    const exact = quantizeValues('b', [5], Float32Array.of(0.5, 0, -1, 0.5, 2), 4);
    expect(Array.from(dequantize(exact))).toEqual([0.5, 0, -1, 0.5, 2]);
    expect(quantizeValues('fc/bias', [40], bias, 4)).toEqual(q);
  });

  it('rejects an unknown rule at assembly', () => {
    expect(() => quantize({ rule: 'median' } as never)).toThrow(/quantize: invalid options: rule/);
  });
});
