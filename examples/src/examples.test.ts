import { describe, expect, it } from 'vitest';
import { decodeSws } from '@softshare/format';
import { customPipeline } from './custom-pipeline.js';
import { exampleSwsBytes, predictFromSwsBytes } from './browser-load.js';
import { compressMultiOutput } from './multi-output.js';
import { compressOwnData } from './own-data.js';
import { compressRegression } from './regression.js';
import { shrinkThenTune } from './shrink-then-tune.js';
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

  it('(e) a regression model on a loss of your own (Huber), measured by MAE, compressed within the loss budget', async () => {
    const r = await compressRegression();
    expect(r.budget.metric).toBe('mae');
    expect(r.budget.limit).toBeCloseTo(r.before * 1.5, 9);
    expect(r.budget.held).toBe(true);
    expect(r.validationMae).toBeLessThanOrEqual(r.budget.limit);
    // the model learned the function: MAE far below the target's own spread (about 0.6)
    expect(r.testBefore).toBeLessThan(0.2);
    expect(r.testMae).toBeLessThan(r.testBefore * 2);
    expect(r.fileRatio).toBeGreaterThan(2);
  }, 240_000);

  it('(f) a two-output functional model (a class and a value), every output within its own budget', async () => {
    const r = await compressMultiOutput();
    expect(r.budget.outputs?.map((o) => [o.name, o.metric])).toEqual([
      ['quadrant', 'error'],
      ['value', 'mse'],
    ]);
    expect(r.budget.held).toBe(true);
    const [cls, value] = r.budget.points[r.budget.chosen].validationOutputs!;
    expect(cls).toBeLessThanOrEqual(r.budget.outputs![0].limit);
    expect(value).toBeLessThanOrEqual(r.budget.outputs![1].limit);
    expect(r.before[0].value).toBeLessThan(0.1);
    expect(r.after[0].value).toBeLessThan(0.15);
    expect(r.after[1].value).toBeLessThan(0.1);
    // 489 parameters: the header is a large share of so small a file
    expect(r.fileRatio).toBeGreaterThan(1.5);
  }, 240_000);

  it('(g) shrink without retraining, then tune the shared values on data: smaller than float32 either way, tune lowers the error', async () => {
    const r = await shrinkThenTune();
    expect(r.floatBytes / r.shrunk.bytes).toBeGreaterThan(8);
    expect(r.tuned.bytes).toBeLessThan(r.shrunk.bytes * 1.1);
    expect(r.tuned.error).toBeLessThan(r.shrunk.error);
  }, 180_000);
});
