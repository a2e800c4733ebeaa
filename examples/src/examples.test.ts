import { describe, expect, it } from 'vitest';
import { decodeSws } from '@softshare/format';
import { customPipeline } from './custom-pipeline.js';
import { exampleSwsBytes, predictFromSwsBytes } from './browser-load.js';
import { compressOwnData } from './own-data.js';
import { roundTripWithUserCoder } from './user-coder.js';

describe('examples', () => {
  it('(a) a custom pipeline without merging, stored with brotli', async () => {
    const { bytes, components } = await customPipeline();
    expect(components).toBe(17); // nothing merged
    const header = decodeSws(bytes).header;
    expect(header.tensors.filter((t) => t.encoding === 'shared').every((t) => t.encoding === 'shared' && t.coder === 'brotli/1')).toBe(true);
  }, 120_000);

  it('(b) a user-written coder round-trips a model bit for bit', () => {
    const r = roundTripWithUserCoder();
    expect(r.same).toBe(true);
    expect(r.bytes).toBeGreaterThan(0);
  });

  it('(c) bytes -> IOHandler -> tf.loadLayersModel -> predict', async () => {
    const out = await predictFromSwsBytes(exampleSwsBytes(), [[1, 2, 3, 4, 5, 6]]);
    expect(out).toHaveLength(1);
    expect(out[0]).toHaveLength(2);
    out[0].forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });

  it('(d) your own RGB data from a tf.data.Dataset and a logits model: compressed, and the decoded file still classifies', async () => {
    const r = await compressOwnData();
    expect(r.before).toBeLessThan(0.1);
    expect(r.validationError).toBeLessThan(0.1);
    expect(r.testError).toBeLessThan(0.1);
    expect(r.nonZero).toBeLessThan(0.9);
    expect(r.floatBytes / r.fileBytes).toBeGreaterThan(2);
    // within the default budget, measured on the validation split, and the MAP cliff repaired
    expect(r.budget.held).toBe(true);
    expect(r.validationError).toBeLessThanOrEqual(r.before + 0.005 + 1e-12);
    expect(r.budget.points[0]).toMatchObject({ rule: 'map', nonzeroFraction: 0, withinBudget: false });
    expect(r.budget.points[r.budget.chosen].rule).toBe('ml');
  }, 240_000);
});
