import * as tf from '@tensorflow/tfjs';
import { lastValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createProgressChannel, errorLine, Rng, type ProgressEvent } from '@softshare/core';
import type { Dataset, DataSplit } from '@softshare/data';
import { encodeSws } from '@softshare/format';
import { pretrain, toModelData } from '@softshare/models';
import { TOLERANCES } from '@softshare/shrink';
import { compressWithinBudget, parsePipelineConfig } from './index.js';

/** Four Gaussian blobs in 8 dimensions: a task a small net learns in a few epochs, data no default was tuned on. */
function blobs(count: number, seed: number): DataSplit {
  const rng = new Rng(seed);
  const centres = Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => rng.next() * 4 - 2));
  const inputs = new Float32Array(count * 8);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = rng.int(4);
    labels[i] = c;
    for (let j = 0; j < 8; j++) {
      // Box-Muller: unit-variance noise around the class centre
      const u = Math.max(rng.next(), 1e-12);
      inputs[i * 8 + j] = centres[c][j] + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
    }
  }
  return { count, shape: [8], inputs, divisor: 1, labels };
}

function splitOf(all: DataSplit, from: number, count: number): DataSplit {
  return { ...all, count, inputs: all.inputs.subarray(from * 8, (from + count) * 8), labels: all.labels!.subarray(from, from + count) };
}

const all = blobs(1200, 7);
const data: Dataset = { name: 'blobs', train: splitOf(all, 0, 800), validation: splitOf(all, 800, 200), test: splitOf(all, 1000, 200), numClasses: 4 };

async function pretrained() {
  // seeded initial weights (tfjs's default initializers draw from Math.random): the same net every run
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const net = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 32, activation: 'relu', name: 'fc1', kernelInitializer: init(1) }), tf.layers.dense({ units: 4, activation: 'softmax', name: 'fc2', kernelInitializer: init(2) })] });
  await pretrain(net, { ...data, validation: undefined }, { epochs: 8, batchSize: 32, seed: 1 });
  const m = toModelData(net);
  net.dispose();
  return m;
}

const small = { retrain: { epochs: 2, batchSize: 32, tau: 0.02 }, tune: { epochs: 1, batchSize: 32 } };

describe('compressWithinBudget', () => {
  it('walks the tau path from the configured point, records every file it made, and chooses the smallest one within the budget', async () => {
    const input = await pretrained();
    const progress = createProgressChannel();
    const events: ProgressEvent[] = [];
    progress.events$.subscribe((e) => e.unit === 'epoch' && events.push(e));
    // a loose budget: every point of the path stays within it, so the path goes up for all its steps
    const config = parsePipelineConfig({ ...small, budget: { maxErrorIncrease: 0.9, steps: 2, factor: 4, epochs: 1, minGain: 0, storage: null } });
    const r = await lastValueFrom(of(input).pipe(compressWithinBudget(data, config, { progress })));
    const { points, chosen } = r.budget;
    expect(points.map((p) => [p.tau, p.retrainEpochs, p.rule])).toEqual([
      [0.02, 2, 'map'],
      [0.08, 3, 'map'],
      [0.32, 4, 'map'],
    ]);
    // the further points' retraining is labelled by its tau; the first is the configured run
    expect(events.filter((e) => e.stage === 'retrain').map((e) => [e.phase, e.current, e.total])).toEqual([
      [undefined, 1, 2],
      [undefined, 2, 2],
      ['tau 0.08', 1, 1],
      ['tau 0.32', 1, 1],
    ]);
    expect(r.budget.held).toBe(true);
    expect(points.every((p) => p.withinBudget)).toBe(true);
    expect(points[chosen].fileBytes).toBe(Math.min(...points.map((p) => p.fileBytes)));
    expect(r.encoded.bytes.length).toBe(points[chosen].fileBytes);
    expect(r.model).toBe(r.candidates[chosen].model);
    // what was measured is the file: the chosen model encodes to the same bytes
    expect(encodeSws(r.model).bytes).toEqual(r.encoded.bytes);
    for (const p of points) {
      expect(p.validationError).toBeGreaterThanOrEqual(0);
      expect(p.floatValidationError).toBeGreaterThanOrEqual(0);
      expect(p.fileRatio).toBeCloseTo((input.params.reduce((s, q) => s + q.values.length, 0) * 4) / p.fileBytes, 9);
    }
    expect(r.budget.limit).toBeCloseTo(r.budget.referenceError + 0.9, 12);
    // with the default minGain (1%), the path ends at the first upward point that did not shrink the smallest file by 1%
    const sizes = points.map((p) => p.fileBytes);
    const stall = sizes.findIndex((b, k) => k > 0 && Math.min(...sizes.slice(0, k + 1)) > Math.min(...sizes.slice(0, k)) * 0.99);
    const short = await lastValueFrom(of(input).pipe(compressWithinBudget(data, parsePipelineConfig({ ...small, budget: { maxErrorIncrease: 0.9, steps: 2, factor: 4, epochs: 1, storage: null } }))));
    expect(short.budget.points.map((p) => p.fileBytes)).toEqual(stall < 0 ? sizes : sizes.slice(0, stall + 1));
  }, 120_000);

  it('when no point keeps the budget, says so and hands back the lowest validation error, the path walked towards a smaller zero component', async () => {
    const input = await pretrained();
    // a prior so strong that MAP quantisation zeroes every weight, and no repair allowed
    const config = parsePipelineConfig({ ...small, retrain: { ...small.retrain, tau: 50 }, budget: { maxErrorIncrease: 0, steps: 1, epochs: 1, repairCliff: false, finerValues: false } });
    const r = await lastValueFrom(of(input).pipe(compressWithinBudget(data, config)));
    const { points, chosen } = r.budget;
    expect(r.budget.held).toBe(false);
    expect(points.some((p) => p.withinBudget)).toBe(false);
    // down the path, a point retrains from the pretrained weights (the configured epochs), not
    // from the collapsed state; the float model kept the budget (the cliff), so the zero
    // component starts smaller instead of tau going down
    expect(points[0].floatValidationError).toBeLessThanOrEqual(r.budget.limit);
    expect(points.map((p) => [p.tau, p.pi0, p.retrainEpochs])).toEqual([[50, 0.999, 2], [50, 1 - 0.001 * 50, 2]]);
    expect(points[chosen].validationError).toBe(Math.min(...points.map((p) => p.validationError)));
  }, 120_000);

  it('falls back on finer shared values when no file kept the budget and a float retrained model did: the loosest per-tensor tolerance within it', async () => {
    const input = await pretrained();
    const config = parsePipelineConfig({ ...small, retrain: { ...small.retrain, tau: 50 }, budget: { maxErrorIncrease: 0, steps: 1, epochs: 1, repairCliff: false, storage: null } });
    const r = await lastValueFrom(of(input).pipe(compressWithinBudget(data, config)));
    const { points, chosen } = r.budget;
    const prior = points.filter((p) => p.tolerance === undefined);
    const finer = points.filter((p) => p.tolerance !== undefined);
    // the prior's files are what they were without the fallback, none within the budget
    expect(prior.map((p) => [p.tau, p.pi0])).toEqual([[50, 0.999], [50, 1 - 0.001 * 50]]);
    expect(prior.some((p) => p.withinBudget)).toBe(false);
    // from the latest float model that kept the budget: its tau, pi0 and float error
    expect(finer.length).toBeGreaterThan(1);
    for (const p of finer) expect([p.tau, p.pi0, p.floatValidationError]).toEqual([prior[1].tau, prior[1].pi0, prior[1].floatValidationError]);
    // the tightest tolerance first, then a bisection: the chosen one is the loosest within, every looser one tried is over
    expect(finer[0].tolerance).toBe(Math.min(...finer.map((p) => p.tolerance!)));
    expect(r.budget.held).toBe(true);
    const c = points[chosen];
    expect(c.tolerance).toBeDefined();
    expect(c.validationError).toBeLessThanOrEqual(r.budget.limit);
    // the bisection ends on a bracket: the next looser tolerance of the grid was tried and was over
    const loosest = Math.max(...finer.filter((p) => p.withinBudget).map((p) => p.tolerance!));
    expect(finer.find((p) => p.tolerance === TOLERANCES[TOLERANCES.indexOf(loosest) - 1])?.withinBudget).toBe(false);
    expect(c.fileBytes).toBe(Math.min(...finer.filter((p) => p.withinBudget).map((p) => p.fileBytes)));
    // each weight tensor under the prior on shared values of its own, zero among them; the biases were not under the prior
    expect(r.model.quantized.map((q) => q.name).sort()).toEqual(['fc1/kernel', 'fc2/kernel']);
    for (const q of r.model.quantized) expect(q.codebook[0]).toBe(0);
    expect(encodeSws(r.model).bytes).toEqual(r.encoded.bytes);
  }, 120_000);

  it('falls back on the pretrained weights when no retrained model kept the budget either: no tau, the reference float error', async () => {
    const input = await pretrained();
    // a learning rate that wrecks the float model: no retrained model keeps the budget
    const config = parsePipelineConfig({ ...small, retrain: { ...small.retrain, learningRates: { weights: 5 } }, budget: { maxErrorIncrease: 0, steps: 0, repairCliff: false, storage: null } });
    const r = await lastValueFrom(of(input).pipe(compressWithinBudget(data, config)));
    const { points, chosen } = r.budget;
    expect(points[0].floatValidationError).toBeGreaterThan(r.budget.limit);
    const finer = points.filter((p) => p.tolerance !== undefined);
    expect(finer.length).toBeGreaterThan(1);
    for (const p of finer) expect([p.tau, p.pi0, p.floatValidationError]).toEqual([undefined, undefined, r.budget.referenceError]);
    expect([r.budget.held, points[chosen].tolerance !== undefined]).toEqual([true, true]);
    expect(r.model.quantized.map((q) => q.name).sort()).toEqual(['fc1/kernel', 'fc2/kernel']);
    // the tightest tolerance is float16 (no 255 values meet it): its non-zero share counts those weights
    expect(finer[0].nonzeroFraction).toBeGreaterThan(0.5);
  }, 120_000);

  it('repairs the quantisation cliff: when MAP zeroes what the float model still needs, the same weights are quantised by rule ml', async () => {
    const input = await pretrained();
    const config = parsePipelineConfig({ ...small, retrain: { ...small.retrain, tau: 50 }, budget: { maxErrorIncrease: 0.02, steps: 0, storage: null } });
    const r = await lastValueFrom(of(input).pipe(compressWithinBudget(data, config)));
    const [map, ml] = r.budget.points;
    expect([map.rule, ml.rule]).toEqual(['map', 'ml']);
    expect(map.nonzeroFraction).toBe(0);
    expect(map.withinBudget).toBe(false);
    // the float retrained model kept the budget: that is what makes it a cliff, not a weak model
    expect(map.floatValidationError).toBeLessThanOrEqual(r.budget.limit);
    expect(ml.withinBudget).toBe(true);
    expect(ml.nonzeroFraction).toBeGreaterThan(0);
    expect([r.budget.chosen, r.budget.held]).toEqual([1, true]);
  }, 120_000);

  it('stores the chosen file by what its tensors are worth: a point of its own, smaller, with no validation error more', async () => {
    const input = await pretrained();
    const config = parsePipelineConfig({ ...small, budget: { maxErrorIncrease: 0.05, steps: 0 } });
    const r = await lastValueFrom(of(input).pipe(compressWithinBudget(data, config)));
    const { points, chosen } = r.budget;
    expect(r.budget.held).toBe(true);
    const last = points[points.length - 1];
    expect(chosen).toBe(points.length - 1);
    expect(last.storage).toBeDefined();
    const from = points.find((p) => p.fileBytes === last.storage!.fromBytes)!;
    expect(last.fileBytes).toBeLessThan(from.fileBytes);
    expect(last.validationError).toBeLessThanOrEqual(from.validationError);
    expect(last.nonzeroFraction).toBe(from.nonzeroFraction); // the biases on shared values are not weights
    expect(last.tau).toBe(from.tau);
    // what it says it did is in the file: fc1's bias on its shared values
    for (const t of last.storage!.tensors) {
      const q = r.model.quantized.find((x) => x.name === t.name)!;
      expect(q.codebook.length - 1).toBeLessThanOrEqual(t.values);
    }
    expect(encodeSws(r.model).bytes).toEqual(r.encoded.bytes);
  }, 120_000);

  it('needs a validation split unless the budget is off', () => {
    const config = parsePipelineConfig({});
    expect(errorLine(() => compressWithinBudget({ ...data, validation: undefined }, config))).toMatch(/^E_OPTIONS: budget: the accuracy budget is measured on the validation split, and this data has none/);
    expect(() => compressWithinBudget({ ...data, validation: undefined }, parsePipelineConfig({ budget: { maxErrorIncrease: null } }))).not.toThrow();
  });
});
