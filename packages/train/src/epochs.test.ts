import { describe, expect, it } from 'vitest';
import { isSoftshareError, Rng } from '@softshare/core';
import { runEpochs, type TrainingLoop } from './index.js';

/** A loop over 10 examples in batches of 4 (3 batches an epoch) that records every call. */
function recorder(extra: Partial<TrainingLoop> = {}) {
  const calls: string[] = [];
  const loop: TrainingLoop = {
    stage: 'fit',
    label: 'Fitting',
    epochs: 2,
    count: 10,
    batchSize: 4,
    rng: new Rng(7),
    beginEpoch: (e) => calls.push(`begin ${e}`),
    batch: (idx, at) => (calls.push(`batch ${at.epoch}.${at.step} #${at.global} [${Array.from(idx).join(',')}]`), 1),
    onStep: (s, n) => calls.push(`step ${s}/${n}`),
    endEpoch: (e, n) => void calls.push(`end ${e} (${n})`),
    ...extra,
  };
  return { calls, loop };
}

describe('runEpochs', () => {
  it('runs every batch of every epoch in order, each epoch in its own shuffled order', async () => {
    const { calls, loop } = recorder();
    await runEpochs(loop);
    expect(calls.filter((c) => !c.startsWith('batch'))).toEqual(['begin 0', 'step 1/3', 'step 2/3', 'step 3/3', 'end 1 (3)', 'begin 1', 'step 1/3', 'step 2/3', 'step 3/3', 'end 2 (3)']);
    const batches = calls.filter((c) => c.startsWith('batch'));
    expect(batches.map((c) => c.split(' [')[0])).toEqual(['batch 0.0 #0', 'batch 0.1 #1', 'batch 0.2 #2', 'batch 1.0 #3', 'batch 1.1 #4', 'batch 1.2 #5']);
    const epochExamples = (e: number) => batches.filter((c) => c.startsWith(`batch ${e}.`)).flatMap((c) => c.split('[')[1].slice(0, -1).split(',').map(Number));
    expect([...epochExamples(0)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochExamples(1)).not.toEqual(epochExamples(0));
  });

  it('on cancellation reports where it stopped and the rng state before that epoch, and a run from there continues exactly', async () => {
    const whole = recorder();
    await runEpochs(whole.loop);
    let seen = 0;
    let stoppedAt: { epoch: number; step: number } | undefined;
    let rngBefore: readonly number[] = [];
    const cut = recorder({ isCancelled: () => seen++ === 4, onCancel: (at, r) => void ((stoppedAt = at), (rngBefore = r)) });
    const error = await runEpochs(cut.loop).catch((e: unknown) => e);
    expect(isSoftshareError(error, 'E_CANCELLED') && error.message).toBe('Fitting cancelled in epoch 2 after 1 batches');
    expect(stoppedAt).toEqual({ epoch: 1, step: 1, global: 4 });
    const rest = recorder({ rng: new Rng(rngBefore as [number, number, number, number]), from: { epoch: 1, step: 1 } });
    await runEpochs(rest.loop);
    const batches = (c: string[]) => c.filter((x) => x.startsWith('batch'));
    expect([...batches(cut.calls), ...batches(rest.calls)]).toEqual(batches(whole.calls));
  });

  it('fails with E_DIVERGED on a non-finite loss, or lets the guard roll back and go on', async () => {
    const bad = recorder({ batch: (_, at) => (at.global === 4 ? NaN : 1), divergedHint: 'lower fit.learningRate' });
    const error = await runEpochs(bad.loop).catch((e: unknown) => e);
    expect(isSoftshareError(error, 'E_DIVERGED') && error.message).toBe('Loss became NaN/Inf in fitting epoch 2; lower fit.learningRate');
    let tries = 0;
    const guarded = recorder({ batch: (_, at) => (at.global === 4 && tries++ === 0 ? Infinity : 1), onDiverged: (at) => at.epoch });
    await runEpochs(guarded.loop);
    expect(guarded.calls.filter((c) => c.startsWith('begin') || c.startsWith('end'))).toEqual(['begin 0', 'end 1 (3)', 'begin 1', 'begin 1', 'end 2 (3)']);
  });
});
