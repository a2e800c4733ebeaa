import * as tf from '@tensorflow/tfjs';
import { firstValueFrom, of } from 'rxjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { createProgressChannel, leakedTensors, type QuantizedModel } from '@softshare/core';
import { loadMnist, makeBatch, takeFirst, type Dataset } from '@softshare/data';
import { crossEntropy, fromModelData, logitsFn, pretrainedModelPath, toModelData } from '@softshare/models';
import { withoutUnreachable } from '@softshare/prune';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskSearchOptionsSchema, runMaskSearch, runSharedTuning, tune, tuneOptionsSchema, type TuneEvent } from './index.js';

let data: Dataset;
let quantized: QuantizedModel;
let pretrained: ReturnType<typeof toModelData>;

/** A crude quantisation of the pretrained LeNet-300-100: |w| < 0.03 -> 0, else one of two values by sign. */
function crudeQuantized(p: ReturnType<typeof toModelData>): QuantizedModel {
  const q = p.params.filter((t) => t.name.endsWith('/kernel')).map((t) => {
    const codebook = Float32Array.from([0, -0.05, 0.05]);
    const codes = Uint8Array.from(t.values, (w) => (Math.abs(w) < 0.03 ? 0 : w < 0 ? 1 : 2));
    return { name: t.name, shape: t.shape, codebook, codes };
  });
  const params = p.params.map((t) => {
    const k = q.find((x) => x.name === t.name);
    return k ? { ...t, values: Float32Array.from(k.codes, (c) => k.codebook[c]) } : t;
  });
  return { kind: 'quantized', topology: p.topology, params, diagnostics: [], quantized: q };
}

async function meanCe(m: QuantizedModel): Promise<number> {
  const net = await fromModelData(m);
  const idx = Int32Array.from({ length: 1024 }, (_, i) => i);
  const b = makeBatch(data.train, idx, 10);
  const ce = tf.tidy(() => crossEntropy(logitsFn(net)(tf.tensor(b.x, [b.size, 784]), false), tf.tensor2d(b.ys[0], [b.size, 10])).dataSync()[0]);
  net.dispose();
  return ce;
}

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
  const full = loadMnist('mnist');
  data = { ...full, train: takeFirst(full.train, 1024), test: takeFirst(full.test, 200) };
  const model = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-300-100')));
  pretrained = toModelData(model);
  quantized = crudeQuantized(pretrained);
  model.dispose();
});

describe('tune stage (shared values and biases)', () => {
  it('lowers the loss while keeping zeros, sharing and code streams exactly, without leaking tensors', async () => {
    let out: QuantizedModel | undefined;
    const leaked = await leakedTensors(tf, async () => {
      out = await runSharedTuning(quantized, data, tuneOptionsSchema.parse({ epochs: 2, learningRate: 1e-3 }));
    });
    expect(leaked).toBe(0);
    const tuned = out!;
    expect(await meanCe(tuned)).toBeLessThan((await meanCe(quantized)) * 0.9);
    tuned.quantized.forEach((q, i) => {
      expect(q.codes).toBe(quantized.quantized[i].codes);
      expect(q.codebook[0]).toBe(0);
      expect(q.codebook.length).toBe(3);
      expect(Array.from(q.codebook)).not.toEqual(Array.from(quantized.quantized[i].codebook));
      const p = tuned.params.find((t) => t.name === q.name)!;
      expect(Buffer.from(p.values.buffer).equals(Buffer.from(Float32Array.from(q.codes, (c) => q.codebook[c]).buffer))).toBe(true);
    });
    const bias = (m: QuantizedModel) => m.params.find((t) => t.name === 'fc1/bias')!.values;
    expect(Array.from(bias(tuned))).not.toEqual(Array.from(bias(quantized)));
  }, 120_000);

  it('with reassign, moves non-zero weights between shared values but keeps every zero, deterministically', async () => {
    const opts = tuneOptionsSchema.parse({ epochs: 2, learningRate: 1e-3, reassign: true, weightLearningRate: 1e-2 });
    const a = await runSharedTuning(quantized, data, opts);
    const b = await runSharedTuning(quantized, data, opts);
    expect(await meanCe(a)).toBeLessThan((await meanCe(quantized)) * 0.9);
    let moved = 0;
    a.quantized.forEach((q, i) => {
      const before = quantized.quantized[i].codes;
      for (let k = 0; k < before.length; k++) {
        expect(q.codes[k] === 0).toBe(before[k] === 0);
        if (q.codes[k] !== before[k]) moved++;
      }
      expect(q.codebook.length).toBe(3);
      const p = a.params.find((t) => t.name === q.name)!;
      expect(Buffer.from(p.values.buffer).equals(Buffer.from(Float32Array.from(q.codes, (c) => q.codebook[c]).buffer))).toBe(true);
      expect(Buffer.from(q.codes).equals(Buffer.from(b.quantized[i].codes))).toBe(true);
    });
    expect(moved).toBeGreaterThan(0);
  }, 120_000);

  it('is deterministic, and a no-op with 0 epochs', async () => {
    const opts = tuneOptionsSchema.parse({ epochs: 1 });
    const a = await firstValueFrom(of(quantized).pipe(tune(data, opts)));
    const b = await firstValueFrom(of(quantized).pipe(tune(data, opts)));
    a.params.forEach((p, i) => expect(Buffer.from(p.values.buffer).equals(Buffer.from(b.params[i].values.buffer))).toBe(true));
    expect(await firstValueFrom(of(quantized).pipe(tune(data, { epochs: 0 })))).toBe(quantized);
  }, 120_000);

  const nonZero = (codes: Uint8Array) => codes.reduce((a, c) => a + (c !== 0 ? 1 : 0), 0);

  it('mask search moves which weights are non-zero at fixed per-tensor counts, onto the same codebooks, deterministically', async () => {
    const opts = maskSearchOptionsSchema.parse({ epochs: 2, learningRate: 1e-3, every: 2 });
    let a: QuantizedModel | undefined;
    const leaked = await leakedTensors(tf, async () => {
      a = await runMaskSearch(quantized, data, opts, { batchSize: 128, seed: 2 });
    });
    expect(leaked).toBe(0);
    const b = await runMaskSearch(quantized, data, opts, { batchSize: 128, seed: 2 });
    let revived = 0;
    a!.quantized.forEach((q, i) => {
      const before = quantized.quantized[i];
      expect(nonZero(q.codes)).toBe(nonZero(before.codes));
      for (let k = 0; k < q.codes.length; k++) if (q.codes[k] !== 0 && before.codes[k] === 0) revived++;
      expect(q.codebook).toBe(before.codebook);
      const p = a!.params.find((t) => t.name === q.name)!;
      expect(Buffer.from(p.values.buffer).equals(Buffer.from(Float32Array.from(q.codes, (c) => q.codebook[c]).buffer))).toBe(true);
      expect(Buffer.from(q.codes).equals(Buffer.from(b.quantized[i].codes))).toBe(true);
    });
    expect(revived).toBeGreaterThan(0);
  }, 120_000);

  it('mask search lowers the loss when moves stop early enough for revived weights to grow', async () => {
    const out = await runMaskSearch(quantized, data, maskSearchOptionsSchema.parse({ epochs: 4, every: 4, regrow: 0.1, until: 0.5 }), { batchSize: 128, seed: 2 });
    expect(await meanCe(out)).toBeLessThan(await meanCe(quantized));
  }, 120_000);

  it('mask search distils from a teacher when asked (and says so when none is given), with a cosine schedule', async () => {
    const opts = maskSearchOptionsSchema.parse({ epochs: 2, every: 4, regrow: 0.1, until: 0.5, schedule: 'cosine', distill: 0.7 });
    await expect(runMaskSearch(quantized, data, opts, { batchSize: 128, seed: 2 })).rejects.toThrow(/^tune.mask.distill needs the model before retraining/);
    let out: QuantizedModel | undefined;
    const leaked = await leakedTensors(tf, async () => {
      out = await runMaskSearch(quantized, data, opts, { batchSize: 128, seed: 2, teacher: pretrained });
    });
    expect(leaked).toBe(0);
    const plain = await runMaskSearch(quantized, data, { ...opts, distill: 0 }, { batchSize: 128, seed: 2 });
    expect(await meanCe(out!)).toBeLessThan(await meanCe(quantized));
    expect(out!.quantized.some((q, i) => !Buffer.from(q.codes).equals(Buffer.from(plain.quantized[i].codes)))).toBe(true);
  }, 120_000);

  it('mask search with shift trains on shifted images: deterministic, other codes than without, the loss still falls', async () => {
    const opts = maskSearchOptionsSchema.parse({ epochs: 2, every: 4, regrow: 0.1, until: 0.5, shift: 1 });
    let a: QuantizedModel | undefined;
    const leaked = await leakedTensors(tf, async () => {
      a = await runMaskSearch(quantized, data, opts, { batchSize: 128, seed: 2 });
    });
    expect(leaked).toBe(0);
    const b = await runMaskSearch(quantized, data, opts, { batchSize: 128, seed: 2 });
    const plain = await runMaskSearch(quantized, data, { ...opts, shift: 0 }, { batchSize: 128, seed: 2 });
    a!.quantized.forEach((q, i) => expect(Buffer.from(q.codes).equals(Buffer.from(b.quantized[i].codes))).toBe(true));
    expect(a!.quantized.some((q, i) => !Buffer.from(q.codes).equals(Buffer.from(plain.quantized[i].codes)))).toBe(true);
    expect(await meanCe(a!)).toBeLessThan(await meanCe(quantized));
    expect(() => maskSearchOptionsSchema.parse({ shift: 5 })).toThrow();
  }, 120_000);

  it('mask search with refit moves each codebook to the means of the floats it holds: closer to them, same mask, 0 kept', async () => {
    const opts = maskSearchOptionsSchema.parse({ epochs: 1, every: 2 });
    const floats: Float32Array[][] = [];
    const keep = { onEpoch: (_: number, model: tf.LayersModel) => void floats.push(model.getWeights().filter((w) => w.shape.length === 2).map((w) => w.dataSync() as Float32Array)) };
    const plain = await runMaskSearch(quantized, data, opts, { batchSize: 128, seed: 3 }, keep);
    const refit = await runMaskSearch(quantized, data, { ...opts, refit: true }, { batchSize: 128, seed: 3 }, keep);
    expect(floats[0]).toEqual(floats[1]);
    const distortion = (m: QuantizedModel) => m.quantized.reduce((a, q, t) => a + q.codes.reduce((b, c, i) => b + (c === 0 ? 0 : (floats[0][t][i] - q.codebook[c]) ** 2), 0), 0);
    expect(distortion(refit)).toBeLessThan(distortion(plain) * 0.9);
    refit.quantized.forEach((q, i) => {
      expect(q.codebook[0]).toBe(0);
      expect(q.codebook.length).toBe(quantized.quantized[i].codebook.length);
      expect(q.codebook).not.toEqual(quantized.quantized[i].codebook);
      expect(q.codes.map((c) => (c === 0 ? 0 : 1))).toEqual(plain.quantized[i].codes.map((c) => (c === 0 ? 0 : 1)));
      const p = refit.params.find((t) => t.name === q.name)!;
      expect(p.values).toEqual(Float32Array.from(q.codes, (c) => q.codebook[c]));
    });
  }, 120_000);

  it('mask search with a density shrinks every tensor to its share of it; tune runs it first and reports each epoch', async () => {
    const total = quantized.quantized.reduce((a, q) => a + q.codes.length, 0);
    const startCounts = quantized.quantized.map((q) => nonZero(q.codes));
    const share = startCounts.reduce((a, b) => a + b, 0) / total;
    const progress = createProgressChannel();
    const events: TuneEvent[] = [];
    progress.events$.subscribe((e) => tune.isEvent(e) && e.unit === 'epoch' && events.push(e));
    const opts = tuneOptionsSchema.parse({ epochs: 1, mask: { epochs: 2, every: 2, density: share / 2 } });
    const out = await firstValueFrom(of(quantized).pipe(tune(data, opts, { progress })));
    // each tensor's share of the density: half its count, rounded as the search computes it
    const counts = startCounts.map((c) => Math.round((c * opts.mask.density!) / share));
    // the search ends at the halved counts and tune keeps that mask
    const searched = await runMaskSearch(quantized, data, opts.mask, opts);
    searched.quantized.forEach((q, i) => expect(nonZero(q.codes)).toBe(counts[i]));
    out.quantized.forEach((q, i) => expect(nonZero(q.codes)).toBe(counts[i]));
    const final = counts.reduce((a, b) => a + b, 0);
    expect(events.map((e) => [e.stage, e.phase, e.current, e.total])).toEqual([['tune', 'mask', 1, 2], ['tune', 'mask', 2, 2], ['tune', 'shared', 1, 1]]);
    expect(events[0].values!.nonZero).toBeGreaterThan(final);
    expect(events[1].values!.nonZero).toBe(final);
    expect(events[2].values!.nonZero).toBe(final);
    for (const e of events) expect(e.values!.loss).toBeGreaterThan(0);
    expect(events[2].values!.loss).toBeLessThan(events[0].values!.loss);
  }, 120_000);

  it('after a mask search, prune drops the weights the new mask left unable to reach the output, without changing the function', async () => {
    const total = quantized.quantized.reduce((a, q) => a + q.codes.length, 0);
    const share = quantized.quantized.reduce((a, q) => a + nonZero(q.codes), 0) / total;
    const opts = tuneOptionsSchema.parse({ epochs: 0, mask: { epochs: 1, every: 2, density: share / 40 } });
    const out = await runSharedTuning(quantized, data, opts);
    expect(out.diagnostics.some((d) => /cannot reach the output/.test(d.message))).toBe(false);
    const pruned = withoutUnreachable(out);
    const count = (m: QuantizedModel) => m.quantized.reduce((a, q) => a + nonZero(q.codes), 0);
    expect(count(pruned)).toBeLessThan(count(out));
    expect(pruned.diagnostics.some((d) => d.stage === 'prune' && /^zeroed \d+ weights that cannot reach the output/.test(d.message))).toBe(true);
    const again = withoutUnreachable(pruned);
    again.quantized.forEach((q, i) => expect(q.codes).toEqual(pruned.quantized[i].codes));
    expect(await meanCe(pruned)).toBeCloseTo(await meanCe(out), 5);
  }, 120_000);

  it('mask search with a tensorDensity grows and shrinks the named tensors to their own shares; others keep their counts', async () => {
    const [fc1, fc2, fc3] = quantized.quantized;
    const share1 = nonZero(fc1.codes) / fc1.codes.length / 2;
    const share3 = Math.min(1, (2 * nonZero(fc3.codes)) / fc3.codes.length);
    const opts = maskSearchOptionsSchema.parse({ epochs: 1, every: 2, tensorDensity: { [fc1.name]: share1, [fc3.name]: share3 } });
    const floatCounts: number[] = [];
    const out = await runMaskSearch(quantized, data, opts, { batchSize: 128, seed: 1 }, {
      onEpoch: (epoch, model) => {
        expect(epoch).toBe(1);
        floatCounts.push(...model.getWeights().filter((w) => w.shape.length === 2).map((w) => (w.dataSync() as Float32Array).reduce((a, x) => a + (x !== 0 ? 1 : 0), 0)));
      },
    });
    // the hook sees the float weights: a revived weight whose gradient stayed 0 is still 0 there
    const counts = out.quantized.map((q) => nonZero(q.codes));
    expect(floatCounts.slice(0, 2)).toEqual(counts.slice(0, 2));
    expect(floatCounts[2]).toBeGreaterThan(nonZero(fc3.codes));
    expect(floatCounts[2]).toBeLessThanOrEqual(counts[2]);
    expect(nonZero(out.quantized[0].codes)).toBe(Math.round(share1 * fc1.codes.length));
    expect(nonZero(out.quantized[1].codes)).toBe(nonZero(fc2.codes));
    expect(nonZero(out.quantized[2].codes)).toBe(Math.round(share3 * fc3.codes.length));
    expect(nonZero(out.quantized[2].codes)).toBeGreaterThan(nonZero(fc3.codes));
    await expect(runMaskSearch(quantized, data, { ...opts, tensorDensity: { 'fc9/kernel': 0.1 } }, { batchSize: 128, seed: 1 })).rejects.toThrow(/tensorDensity names "fc9\/kernel", which is not a quantised tensor/);
  }, 120_000);

  it('rejects bad options when the stage is assembled', () => {
    expect(() => tune(data, { mask: { density: 0 } })).toThrow(/^tune: invalid options: mask.density/);
    expect(() => tune(data, { mask: { tensorDensity: { 'fc1/kernel': 1.5 } } })).toThrow(/^tune: invalid options: mask.tensorDensity/);
    expect(() => tune(data, { learningRate: -1 })).toThrow(/^tune: invalid options: learningRate/);
  });
});
