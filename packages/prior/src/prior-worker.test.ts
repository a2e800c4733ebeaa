import { describe, expect, it } from 'vitest';
import { createPriorWorker, evaluatePriorGridded, type MixtureParams } from './index.js';

function lcg(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}
const weights = (n: number, seed: number) => {
  const r = lcg(seed);
  return Float32Array.from({ length: n }, () => (r() < 0.8 ? 0.01 : 0.3) * (r() - 0.5));
};
const params = (): MixtureParams => ({
  means: Float64Array.from([0, -0.1, 0.05, 0.12]),
  gammas: Float64Array.from([8, 7, 7.5, 6]),
  rhos: Float64Array.from([0, 0.2, -0.1, 0.3]),
  pi0: 0.95,
});

describe('createPriorWorker', () => {
  it('gives bit-identical gradients and statistics to the same-thread gridded pass, step after step', async () => {
    const ws = [weights(5000, 1), weights(700, 2)];
    const worker = (await createPriorWorker(ws.map((w) => w.length), 4))!;
    expect(worker).not.toBeNull();
    try {
      for (let step = 0; step < 3; step++) {
        ws.forEach((w, t) => w.forEach((v, i) => (w[i] = v * 0.97 + (t + step) * 1e-4)));
        ws.forEach((w, t) => worker.weights[t].set(w));
        const p = params();
        p.means[1] -= step * 0.01;
        worker.start(p, 0.5, true);
        const got = worker.finish();
        const here = ws.map((w) => new Float32Array(w.length));
        const want = evaluatePriorGridded(p, ws, here, 0.5, true);
        expect(got.negLogP).toBe(want.negLogP);
        for (const k of ['means', 'gammas', 'rhos'] as const) expect(Array.from(got.grads[k])).toEqual(Array.from(want.grads[k]));
        here.forEach((g, t) => expect(worker.grads[t]).toEqual(g));
      }
    } finally {
      await worker.close();
    }
  });

  it('applies per-tensor scales exactly as the same-thread pass does', async () => {
    const ws = [weights(3000, 4), weights(500, 5)];
    const worker = (await createPriorWorker(ws.map((w) => w.length), 4, [3, 0.5]))!;
    try {
      ws.forEach((w, t) => worker.weights[t].set(w));
      worker.start(params(), 0.25, true);
      const got = worker.finish();
      const here = ws.map((w) => new Float32Array(w.length));
      const want = evaluatePriorGridded(params(), ws, here, 0.25, true, [3, 0.5]);
      expect(got.negLogP).toBe(want.negLogP);
      for (const k of ['means', 'gammas', 'rhos'] as const) expect(Array.from(got.grads[k])).toEqual(Array.from(want.grads[k]));
      here.forEach((g, t) => expect(worker.grads[t]).toEqual(g));
    } finally {
      await worker.close();
    }
    await expect(createPriorWorker([10, 20], 4, [1])).rejects.toThrow(/expected 2 scales/);
  });

  it('falls back to the exact pass on this thread when the grid would be too fine', async () => {
    const w = weights(300, 3);
    const worker = (await createPriorWorker([w.length], 4))!;
    try {
      worker.weights[0].set(w);
      const p = { ...params(), gammas: Float64Array.from([8, 7, 60, 6]) }; // std e^-30
      worker.start(p, 1, true);
      const got = worker.finish();
      const want = evaluatePriorGridded(p, [w], [new Float32Array(w.length)], 1, true);
      expect(got.negLogP).toBe(want.negLogP);
    } finally {
      await worker.close();
    }
  });

  it('rejects misuse with a clear message', async () => {
    const worker = (await createPriorWorker([10], 4))!;
    try {
      expect(() => worker.finish()).toThrow(/without start/);
      worker.start(params(), 1);
      expect(() => worker.start(params(), 1)).toThrow(/twice/);
      worker.finish();
      expect(() => worker.start({ ...params(), means: Float64Array.from([0, 1]) }, 1)).toThrow(/expected 4 components/);
    } finally {
      await worker.close();
    }
  });
});
