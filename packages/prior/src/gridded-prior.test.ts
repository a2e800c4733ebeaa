import { describe, expect, it } from 'vitest';
import { evaluatePrior, evaluatePriorGridded, initMixture, priorOptionsSchema, type MixtureParams } from './index.js';

function lcg(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** Weights like a retrained layer: most near 0, the rest near a few shared values. */
function weights(n: number, seed: number): Float32Array {
  const r = lcg(seed);
  const centers = [-0.3, -0.15, 0.1, 0.22];
  return Float32Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    return r() < 0.85 ? 0.01 * z : centers[Math.floor(r() * 4)] + 0.02 * z;
  });
}

const mixtures: [string, MixtureParams][] = [
  ['initial (std 0.25)', initMixture(priorOptionsSchema.parse({}), [Float32Array.from([-0.6, 0.6])])],
  [
    'trained (std ~0.02)',
    {
      means: Float64Array.from([0, -0.3, -0.15, 0.1, 0.22, 0.4]),
      gammas: Float64Array.from([-2 * Math.log(0.012), -2 * Math.log(0.02), -2 * Math.log(0.025), -2 * Math.log(0.018), -2 * Math.log(0.02), -2 * Math.log(0.03)]),
      rhos: Float64Array.from([0, 0.5, 0.1, 0.2, 0.3, -1]),
      pi0: 0.99,
    },
  ],
];

describe('evaluatePriorGridded', () => {
  it.each(mixtures)('matches the exact pass for a %s mixture', (_name, p) => {
    const ws = [weights(20000, 1), weights(3000, 2)];
    const ge = ws.map((w) => new Float32Array(w.length));
    const gg = ws.map((w) => new Float32Array(w.length));
    const exact = evaluatePrior(p, ws, ge, 1, true);
    const grid = evaluatePriorGridded(p, ws, gg, 1, true);
    let maxG = 0;
    for (const g of ge) for (const v of g) maxG = Math.max(maxG, Math.abs(v));
    ws.forEach((_, t) => ge[t].forEach((v, i) => expect(Math.abs(gg[t][i] - v)).toBeLessThan(5e-3 * maxG)));
    expect(grid.negLogP).toBeCloseTo(exact.negLogP, -1);
    expect(Math.abs(grid.negLogP - exact.negLogP) / Math.abs(exact.negLogP)).toBeLessThan(1e-3);
    for (const key of ['means', 'gammas', 'rhos'] as const) {
      const scale = Math.max(...Array.from(exact.grads[key], Math.abs));
      exact.grads[key].forEach((v, j) => expect(Math.abs(grid.grads[key][j] - v), `${key}[${j}]`).toBeLessThan(2e-2 * scale));
    }
  });

  it.each([
    ['exact', evaluatePrior],
    ['gridded', evaluatePriorGridded],
  ] as const)('%s: a tensor with scale 2 counts as that tensor twice', (_name, evaluate) => {
    const p = mixtures[1][1];
    const a = weights(4000, 5);
    const b = weights(900, 6);
    const scaled = [new Float32Array(a.length), new Float32Array(b.length)];
    const twice = [new Float32Array(a.length), new Float32Array(a.length), new Float32Array(b.length)];
    const got = evaluate(p, [a, b], scaled, 0.5, true, [2, 1]);
    const want = evaluate(p, [a, a, b], twice, 0.5, true);
    const plain = evaluate(p, [a, b], null, 0.5, true);
    expect(got.negLogP).toBeCloseTo(want.negLogP, 6);
    expect(got.negLogP).not.toBeCloseTo(plain.negLogP, 0);
    for (const key of ['means', 'gammas', 'rhos'] as const) {
      got.grads[key].forEach((v, j) => expect(v, `${key}[${j}]`).toBeCloseTo(want.grads[key][j], 6));
    }
    got.mass.forEach((v, j) => expect(v).toBeCloseTo(want.mass[j], 6));
    scaled[0].forEach((v, i) => expect(v).toBeCloseTo(2 * twice[0][i], 5));
    expect(scaled[1]).toEqual(twice[2]);
  });

  it('falls back to the exact pass when a component collapses', () => {
    const p = mixtures[1][1];
    const collapsed = { ...p, gammas: Float64Array.from(p.gammas, (g, j) => (j === 2 ? -Math.log(1e-16) : g)) };
    const ws = [weights(1000, 3)];
    const a = evaluatePriorGridded(collapsed, ws, null, 1, true);
    const b = evaluatePrior(collapsed, ws, null, 1, true);
    expect(a.negLogP).toBe(b.negLogP);
  });
});
