import { firstValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { QuantizedModel } from '@softshare/core';
import { prune } from './index.js';

/** One dense layer whose topology has no layer list: nothing can be analysed. */
const opaque: QuantizedModel = {
  kind: 'quantized',
  topology: {},
  mixture: { means: Float64Array.from([0, 0.3]), variances: Float64Array.from([1e-4, 1e-4]), proportions: Float64Array.from([0.5, 0.5]) },
  diagnostics: [],
  params: [
    { name: 'fc/kernel', shape: [2, 2], role: 'kernel', values: Float32Array.from([0.3, 0, 0, 0]) },
    { name: 'fc/bias', shape: [2], role: 'bias', values: Float32Array.from([0.1, -0.2]) },
  ],
  quantized: [{ name: 'fc/kernel', shape: [2, 2], codebook: Float32Array.from([0, 0.3]), codes: Uint8Array.from([1, 0, 0, 0]) }],
};

describe('prune stage', () => {
  it('is a named stage with a schema, and says so when the topology cannot be read', async () => {
    expect(prune.stageName).toBe('prune');
    const out = await firstValueFrom(of(opaque).pipe(prune()));
    expect(out.kind).toBe('quantized');
    expect(Array.from(out.params[0].values)).toEqual(Array.from(opaque.params[0].values));
    expect(out.diagnostics).toEqual([{ severity: 'info', stage: 'prune', message: 'unreachable weights: no layer list in the topology; left alone' }]);
  });

  it('with unreachable: false passes the model through untouched', async () => {
    const out = await firstValueFrom(of(opaque).pipe(prune({ unreachable: false })));
    expect(out).toBe(opaque);
  });

  it('rejects unknown options at assembly', () => {
    expect(() => prune({ depth: 2 } as never)).toThrow(/prune: invalid options/);
  });
});
