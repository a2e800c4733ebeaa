import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, of, Subscription } from 'rxjs';
import { fileIO, selectBackend } from '@softshare/backend';
import { createProgressChannel, isSoftshareError, leakedTensors, type PretrainedModel, type ProgressEvent } from '@softshare/core';
import { loadMnist, takeFirst, type Dataset } from '@softshare/data';
import { pretrainedModelPath, toModelData } from '@softshare/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, retrain, runRetraining, retrainOptionsSchema, saveCheckpoint, type TrainingState } from './index.js';
import { scheduleFactor } from '@softshare/train';
import { tauAt, tauScales } from './retrain-loop.js';

let data: Dataset;
let pretrained: PretrainedModel;
const small = { trainLimit: 512, batchSize: 128, evalEvery: 1, warmupEpochs: 1 };
/** Share of a tensor's weights within 0.005 of zero. */
const nearZero = (v: Float32Array) => v.filter((x) => Math.abs(x) < 0.005).length / v.length;

beforeAll(async () => {
  await selectBackend({ backend: 'wasm' });
  const full = loadMnist('mnist');
  data = { ...full, validation: takeFirst(full.test, 300), test: takeFirst(full.test, 300) };
  const model = await tf.loadLayersModel(fileIO(pretrainedModelPath('lenet-300-100')));
  pretrained = toModelData(model);
  model.dispose();
});

describe('retrain stage', () => {
  it('raises sparsity, reports progress and keeps J components, without leaking tensors', async () => {
    const progress = createProgressChannel();
    const epochs: ProgressEvent[] = [];
    progress.events$.subscribe((e) => e.unit === 'epoch' && epochs.push(e));
    let out: Awaited<ReturnType<typeof firstValueFrom<unknown>>> | undefined;
    const leaked = await leakedTensors(tf, async () => {
      out = await firstValueFrom(of(pretrained).pipe(retrain(data, { ...small, epochs: 3, tau: 2, learningRates: { weights: 5e-3, means: 1e-4, gammas: 3e-3, rhos: 3e-3 }, prior: { components: 9 } }, { progress })));
    });
    const r = out as Awaited<ReturnType<typeof runRetraining>>;
    expect(leaked).toBe(0);
    expect(r.kind).toBe('retrained');
    expect(r.mixture.means.length).toBe(9);
    expect(r.underPrior).toEqual(['fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
    expect(epochs.map((e) => e.current)).toEqual([1, 2, 3]);
    expect(nearZero(r.params[0].values)).toBeGreaterThan(nearZero(pretrained.params[0].values) + 0.05);
    for (const e of epochs) expect(e.values!.zeroShare).toBeGreaterThan(0.5);
    for (const e of epochs) for (const k of ['errorLoss', 'complexityLoss', 'validationError']) expect(Number.isFinite(e.values![k])).toBe(true);
    expect(r.diagnostics.filter((d) => /not under the prior/.test(d.message))).toHaveLength(3);
  }, 120_000);

  it('puts tensors under the prior by their role, not their name', async () => {
    // fc2's kernel marked 'other' stays out; a tensor named like a bias but of role 'kernel' goes in
    const params = pretrained.params.map((p) => (p.name === 'fc2/kernel' ? { ...p, role: 'other' as const } : p.name === 'fc3/bias' ? { ...p, role: 'kernel' as const } : p));
    const r = await runRetraining({ ...pretrained, params }, data, retrainOptionsSchema.parse({ ...small, trainLimit: 128, epochs: 1, evalEvery: 0 }));
    expect(r.underPrior).toEqual(['fc1/kernel', 'fc3/kernel', 'fc3/bias']);
    expect(r.diagnostics.filter((d) => /not under the prior/.test(d.message)).map((d) => d.layer)).toEqual(['fc1/bias', 'fc2/kernel', 'fc2/bias']);
  }, 120_000);

  it('includes or excludes layers by tensor name, layer name or class, and refuses a name the model does not have', async () => {
    const opts = (prior: Record<string, unknown>) => retrainOptionsSchema.parse({ ...small, trainLimit: 128, epochs: 1, evalEvery: 0, prior });
    expect((await runRetraining(pretrained, data, opts({ exclude: ['fc3'] }))).underPrior).toEqual(['fc1/kernel', 'fc2/kernel']);
    expect((await runRetraining(pretrained, data, opts({ include: ['Dense'], exclude: ['fc1/kernel'] }))).underPrior).toEqual(['fc2/kernel', 'fc3/kernel']);
    const r = await runRetraining(pretrained, data, opts({ include: ['fc2'] }));
    expect(r.underPrior).toEqual(['fc2/kernel']);
    expect(r.diagnostics.find((d) => d.layer === 'fc1/kernel')?.message).toBe('not under the prior (prior.include / prior.exclude); kept as trained');
    await expect(runRetraining(pretrained, data, opts({ exclude: ['fc9'] }))).rejects.toThrow(/^prior.exclude names "fc9", which is no tensor, layer or layer class of this model \(layers: /);
  }, 120_000);

  it('refuses to resume with options other than the checkpoint\'s, except more epochs', async () => {
    const opts = retrainOptionsSchema.parse({ ...small, trainLimit: 128, epochs: 1, evalEvery: 0 });
    let saved: TrainingState | undefined;
    await runRetraining(pretrained, data, opts, { onCheckpoint: (s) => void (saved = s) });
    const back = (() => {
      const d = mkdtempSync(join(tmpdir(), 'softshare-resume-'));
      saveCheckpoint(d, saved!);
      return loadCheckpoint(join(d, 'checkpoint.json'));
    })();
    expect(back.options).toEqual(opts);
    expect(back.examples).toBe(128);
    const err = await runRetraining(pretrained, data, { ...opts, tau: 0.1, epochs: 2, prior: { ...opts.prior, components: 9 } }, { resumeFrom: back }).catch((e: unknown) => e);
    expect(isSoftshareError(err, 'E_RESUME_MISMATCH')).toBe(true);
    expect((err as Error).message).toBe(`Expected to resume with the checkpoint's options (only epochs, evalEvery, priorThread and maxRecoveries may change), got prior.components: checkpoint ${opts.prior.components}, now 9; tau: checkpoint ${opts.tau}, now 0.1`);
    const fewer = await runRetraining(pretrained, data, { ...opts, trainLimit: 256 }, { resumeFrom: back }).catch((e: unknown) => e);
    expect((fewer as Error).message).toMatch(/got training examples: checkpoint 128, now 256; trainLimit: checkpoint 128, now 256$/);
    const more = await runRetraining(pretrained, data, { ...opts, epochs: 2, evalEvery: 1 }, { resumeFrom: back });
    expect(more.kind).toBe('retrained');
    // a checkpoint from before options were recorded resumes, with a warning
    const { options: _o, examples: _e, ...old } = back;
    const legacy = await runRetraining(pretrained, data, { ...opts, epochs: 2 }, { resumeFrom: old });
    expect(legacy.diagnostics.some((d) => d.severity === 'warning' && /predates recorded options/.test(d.message))).toBe(true);
  }, 120_000);

  it('gives the same bytes with the prior on the worker thread and on the main thread', async () => {
    const opts = retrainOptionsSchema.parse({ ...small, epochs: 2, tau: 1, seed: 5 });
    const worker = await runRetraining(pretrained, data, { ...opts, priorThread: 'worker' });
    const main = await runRetraining(pretrained, data, { ...opts, priorThread: 'main' });
    worker.params.forEach((p, i) => expect(Buffer.from(p.values.buffer).equals(Buffer.from(main.params[i].values.buffer)), p.name).toBe(true));
    expect(Array.from(worker.mixture.variances)).toEqual(Array.from(main.mixture.variances));
  }, 120_000);

  it('tauScale weights each layer in the complexity term, the same on the worker thread and the main thread', async () => {
    expect(tauScales({}, ['conv1/kernel'])).toBeNull();
    expect(tauScales({ conv2: 4, 'conv2/kernel': 2, fc: 9 }, ['conv1/kernel', 'conv2/kernel', 'fc/kernel', 'fc1/kernel'])).toEqual([1, 2, 9, 1]);
    expect(() => tauScales({ fc9: 2 }, ['fc1/kernel'])).toThrow(/tauScale: "fc9" names no tensor under the prior \(they are: fc1\/kernel\)/);
    const opts = retrainOptionsSchema.parse({ ...small, epochs: 2, tau: 2, seed: 5 });
    const free = await runRetraining(pretrained, data, { ...opts, tauScale: { fc1: 0 } });
    const pulled = await runRetraining(pretrained, data, { ...opts, tauScale: { fc1: 4 } });
    const pulledMain = await runRetraining(pretrained, data, { ...opts, tauScale: { fc1: 4 }, priorThread: 'main' });
    pulled.params.forEach((p, i) => expect(Buffer.from(p.values.buffer).equals(Buffer.from(pulledMain.params[i].values.buffer)), p.name).toBe(true));
    expect(nearZero(pulled.params[0].values)).toBeGreaterThan(nearZero(free.params[0].values) + 0.03);
    // with no pull, fc1 moves only as far as the cross-entropy takes it in 8 steps
    expect(Math.abs(nearZero(free.params[0].values) - nearZero(pretrained.params[0].values))).toBeLessThan(0.02);
    await expect(runRetraining(pretrained, data, { ...opts, tauScale: { conv9: 2 } })).rejects.toThrow(/E_OPTIONS|names no tensor/);
  }, 120_000);

  it('schedules tau and the learning rates by step: warm-up, then constant or towards finalTau / cosine to 0', () => {
    expect(tauAt({ tau: 0.1 }, 0, 10, 100)).toBeCloseTo(0.01);
    expect(tauAt({ tau: 0.1 }, 50, 10, 100)).toBe(0.1);
    expect(tauAt({ tau: 0.1, finalTau: 0.5 }, 10, 10, 100)).toBeCloseTo(0.1);
    expect(tauAt({ tau: 0.1, finalTau: 0.5 }, 99, 10, 100)).toBeCloseTo(0.5);
    expect(scheduleFactor('constant', 90, 10, 100)).toBe(1);
    expect(scheduleFactor('cosine', 5, 10, 100)).toBe(1);
    expect(scheduleFactor('cosine', 55, 10, 100)).toBeCloseTo(0.5);
    expect(scheduleFactor('cosine', 100, 10, 100)).toBeCloseTo(0);
  });

  it('follows the cosine schedule and the tau ramp, learns pi0 under its Beta prior, and still resumes to the same bytes', async () => {
    const opts = retrainOptionsSchema.parse({ ...small, epochs: 3, tau: 1, seed: 4, schedule: 'cosine', finalTau: 2, prior: { pi0Prior: [100, 2] } });
    const plain = await runRetraining(pretrained, data, { ...opts, schedule: 'constant', finalTau: undefined, prior: { ...opts.prior, pi0Prior: undefined } });
    const straight = await runRetraining(pretrained, data, opts);
    // the options change the run; a fixed pi0 stays put, a learned one moves
    expect(Buffer.from(straight.params[0].values.buffer).equals(Buffer.from(plain.params[0].values.buffer))).toBe(false);
    expect(plain.mixture.proportions[0]).toBeCloseTo(0.999, 12);
    expect(Math.abs(straight.mixture.proportions[0] - 0.999)).toBeGreaterThan(1e-6);
    const dir = mkdtempSync(join(tmpdir(), 'softshare-ckpt-'));
    await runRetraining(pretrained, data, { ...opts, epochs: 3 }, { onCheckpoint: (s) => void (s.epoch === 2 && saveCheckpoint(dir, s)) });
    const resumed = await runRetraining(pretrained, data, opts, { resumeFrom: loadCheckpoint(dir) });
    resumed.params.forEach((p, i) => expect(Buffer.from(p.values.buffer).equals(Buffer.from(straight.params[i].values.buffer)), p.name).toBe(true));
    expect(resumed.mixture.proportions[0]).toBe(straight.mixture.proportions[0]);
  }, 120_000);

  it('a checkpoint killed between its .bin and its .json resumes the older epoch, never a mix; a damaged .bin is a clear error', async () => {
    const opts = retrainOptionsSchema.parse({ ...small, epochs: 2, tau: 1, seed: 3 });
    const states: TrainingState[] = [];
    await runRetraining(pretrained, data, opts, { onCheckpoint: (s) => void states.push(s) });
    const dir = mkdtempSync(join(tmpdir(), 'softshare-ckpt-'));
    saveCheckpoint(dir, states[0]);
    const older = readFileSync(join(dir, 'checkpoint.json'), 'utf8');
    saveCheckpoint(dir, states[1]);
    const bins = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    expect(bins).toHaveLength(1);
    // the kill: epoch 2's bin is on disk, the json still names epoch 1's
    const olderBin = JSON.parse(older).bin as string;
    writeFileSync(join(dir, 'checkpoint.json'), older);
    expect(() => loadCheckpoint(dir)).toThrow(/Cannot read checkpoint/); // epoch 1's bin is gone: an error, not epoch 2's bytes
    const kept = mkdtempSync(join(tmpdir(), 'softshare-ckpt-'));
    saveCheckpoint(kept, states[0]);
    writeFileSync(join(kept, bins[0]), readFileSync(join(dir, bins[0]))); // epoch 2's bin written, json not yet
    const back = loadCheckpoint(kept);
    expect(back.epoch).toBe(1);
    expect(Buffer.from(back.weights[0].values.buffer).equals(Buffer.from(states[0].weights[0].values.buffer))).toBe(true);
    const damaged = readFileSync(join(kept, olderBin));
    damaged[damaged.length - 1] ^= 1;
    writeFileSync(join(kept, olderBin), damaged);
    expect(() => loadCheckpoint(kept)).toThrow(/does not match the SHA-256/);
  }, 120_000);

  it('resumes from a checkpoint to the same bytes as an uninterrupted run', async () => {
    const opts = retrainOptionsSchema.parse({ ...small, epochs: 3, tau: 1, seed: 3 });
    const straight = await runRetraining(pretrained, data, opts);
    const dir = mkdtempSync(join(tmpdir(), 'softshare-ckpt-'));
    let first: TrainingState | undefined;
    await runRetraining(pretrained, data, { ...opts, epochs: 2 }, { onCheckpoint: (s) => void (first = s, saveCheckpoint(dir, s)) });
    expect(first?.epoch).toBe(2);
    const resumed = await runRetraining(pretrained, data, opts, { resumeFrom: loadCheckpoint(dir) });
    for (let i = 0; i < straight.params.length; i++) {
      expect(Buffer.from(resumed.params[i].values.buffer).equals(Buffer.from(straight.params[i].values.buffer)), straight.params[i].name).toBe(true);
    }
    expect(Array.from(resumed.mixture.means)).toEqual(Array.from(straight.mixture.means));
  }, 120_000);

  it('with pruneAfterEpoch holds the zero component weights at exactly 0 from that epoch on, and resumes to the same bytes', async () => {
    const opts = retrainOptionsSchema.parse({ ...small, epochs: 3, tau: 1, seed: 6, pruneAfterEpoch: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'softshare-ckpt-'));
    const zerosAt: Uint8Array[][] = [];
    const messages: string[] = [];
    const straight = await runRetraining(pretrained, data, opts, {
      onCheckpoint: (s) => {
        zerosAt.push(s.weights.filter((w) => w.name.endsWith('/kernel')).map((w) => Uint8Array.from(w.values, (x) => (x === 0 ? 1 : 0))));
        if (s.epoch === 2) saveCheckpoint(dir, s);
      },
      onDiagnostic: (d) => void messages.push(d.message),
    });
    const held = zerosAt[0].reduce((n, z) => n + z.reduce((a, b) => a + b, 0), 0);
    expect(held).toBeGreaterThan(1000);
    expect(messages.find((m) => m.startsWith('pruneAfterEpoch'))).toBe(`pruneAfterEpoch: ${held} weights of the zero component set to 0 after epoch 1 and held there`);
    // every weight set to 0 after epoch 1 is still exactly 0 at the end; the others still train
    const kernels = straight.params.filter((p) => p.role === 'kernel');
    kernels.forEach((p, k) => zerosAt[0][k].forEach((z, i) => z && expect(p.values[i] === 0).toBe(true))); // 0 or -0
    const atTwo = await runRetraining(pretrained, data, { ...opts, epochs: 2 });
    expect(Buffer.from(atTwo.params[0].values.buffer).equals(Buffer.from(kernels[0].values.buffer))).toBe(false);
    const resumed = await runRetraining(pretrained, data, opts, { resumeFrom: loadCheckpoint(dir) });
    resumed.params.forEach((p, i) => expect(Buffer.from(p.values.buffer).equals(Buffer.from(straight.params[i].values.buffer)), p.name).toBe(true));
  }, 120_000);

  it('resumes from a checkpoint taken mid-epoch on cancellation to the same bytes', async () => {
    const opts = retrainOptionsSchema.parse({ ...small, epochs: 2, tau: 1, seed: 4 });
    const straight = await runRetraining(pretrained, data, opts);
    let steps = 0;
    let saved: TrainingState | undefined;
    const err = await runRetraining(pretrained, data, opts, {
      onStep: () => void steps++,
      isCancelled: () => steps >= 6, // epoch 2, after 2 of its 4 batches
      onCheckpoint: (s) => void (saved = s),
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cancelled in epoch 2 after 2 batches/);
    expect(saved?.epoch).toBe(1);
    expect(saved?.step).toBe(2);
    const resumed = await runRetraining(pretrained, data, opts, { resumeFrom: saved });
    for (let i = 0; i < straight.params.length; i++) {
      expect(Buffer.from(resumed.params[i].values.buffer).equals(Buffer.from(straight.params[i].values.buffer)), straight.params[i].name).toBe(true);
    }
  }, 120_000);

  it('stops within a batch when unsubscribed', async () => {
    let steps = 0;
    const progress = createProgressChannel();
    let sub: Subscription | undefined;
    const stopped = new Promise<void>((resolve) => {
      progress.events$.subscribe((e) => {
        if (e.unit !== 'step') return;
        steps++;
        if (steps === 2) {
          sub?.unsubscribe();
          setTimeout(resolve, 300);
        }
      });
    });
    sub = of(pretrained).pipe(retrain(data, { ...small, trainLimit: 4096, epochs: 5 }, { progress })).subscribe();
    await stopped;
    expect(steps).toBeLessThanOrEqual(3);
  }, 60_000);

  it('fails with E_DIVERGED, never a NaN model, when the learning rate blows up', async () => {
    const opts = retrainOptionsSchema.parse({ ...small, epochs: 2, maxRecoveries: 2, learningRates: { weights: 1e38, means: 1e-4, gammas: 3e-3, rhos: 3e-3 } });
    const diagnostics: string[] = [];
    const err = await runRetraining(pretrained, data, opts, { onDiagnostic: (d) => void (d.severity === 'warning' && diagnostics.push(d.message)) }).catch((e: unknown) => e);
    expect(isSoftshareError(err, 'E_DIVERGED')).toBe(true);
    expect(diagnostics).toHaveLength(2);
    expect(diagnostics[0]).toMatch(/restored the state after epoch 0 and halved the learning rates/);
  }, 60_000);

  it.each([
    [{ tau: -1 }, /retrain: invalid options: tau/],
    [{ prior: { components: 1 } }, /retrain: invalid options: prior.components/],
    [{ learningRates: { weights: 0 } }, /retrain: invalid options: learningRates.weights/],
    [{ tauu: 0.1 }, /retrain: invalid options: .*Unrecognized key: "tauu"/],
    [{ prior: { zeroGama: [1, 1] } }, /retrain: invalid options: prior: Unrecognized key: "zeroGama"/],
  ])('rejects %j at assembly', (options, message) => {
    expect(() => retrain(data, options as never)).toThrow(message);
  });
});
