import { describe, expect, it } from 'vitest';
import {
  assignComponents,
  evaluatePrior,
  gammaHyperPrior,
  initMixture,
  mostResponsible,
  pi0Gradient,
  priorOptionsSchema,
  proportions,
  responsibilities,
  toMixture,
  type MixtureParams,
} from './index.js';

const options = priorOptionsSchema.parse({ components: 5 });

/** Float64 reference: -sum log sum_j pi_j N(w | mu_j, 1/lambda_j), every component, no skipping. */
function reference(p: MixtureParams, ws: number[]): number {
  const pi = proportions(p);
  let total = 0;
  for (const w of ws) {
    let s = 0;
    for (let j = 0; j < p.means.length; j++) {
      const lam = Math.exp(p.gammas[j]);
      s += pi[j] * Math.sqrt(lam / (2 * Math.PI)) * Math.exp(-0.5 * lam * (w - p.means[j]) ** 2);
    }
    total -= Math.log(s);
  }
  return total;
}

function params(): MixtureParams {
  return {
    means: Float64Array.from([0, -0.3, -0.1, 0.12, 0.35]),
    gammas: Float64Array.from([5, 3.2, 4, 3.5, 2.8]),
    rhos: Float64Array.from([0, 0.2, -0.4, 0.1, 0.3]),
    pi0: 0.9,
  };
}

const weights = Float32Array.from([-0.41, -0.3, -0.12, -0.02, 0, 0.003, 0.08, 0.15, 0.3, 0.5]);

describe('evaluatePrior', () => {
  it('matches the float64 reference value', () => {
    const e = evaluatePrior(params(), [weights], null, 1, true);
    expect(e.negLogP).toBeCloseTo(reference(params(), Array.from(weights)), 9);
  });

  it('has weight gradients equal to central finite differences', () => {
    const g = new Float32Array(weights.length);
    evaluatePrior(params(), [weights], [g]);
    for (let i = 0; i < weights.length; i++) {
      const h = 1e-6;
      const ws = Array.from(weights);
      const up = [...ws];
      up[i] += h;
      const dn = [...ws];
      dn[i] -= h;
      const fd = (reference(params(), up) - reference(params(), dn)) / (2 * h);
      expect(g[i]).toBeCloseTo(fd, 3);
    }
  });

  it.each(['means', 'gammas', 'rhos'] as const)('has %s gradients equal to finite differences', (key) => {
    const e = evaluatePrior(params(), [weights], null);
    for (let j = key === 'gammas' ? 0 : 1; j < 5; j++) {
      const h = 1e-6;
      const up = params();
      up[key][j] += h;
      const dn = params();
      dn[key][j] -= h;
      const fd = (reference(up, Array.from(weights)) - reference(dn, Array.from(weights))) / (2 * h);
      expect(e.grads[key][j]).toBeCloseTo(fd, 4);
    }
  });

  it('gives the gradient of -log p - log Beta with respect to logit(pi0) (finite differences), zero when pi0 is fixed', () => {
    const opts = priorOptionsSchema.parse({ components: 5, pi0Prior: [50, 3] });
    const total = (z: number) => {
      const p = { ...params(), pi0: 1 / (1 + Math.exp(-z)) };
      const e = evaluatePrior(p, [weights], null, 1, true);
      return e.negLogP + pi0Gradient(p, e.mass, opts).hyperValue;
    };
    const z = Math.log(0.9 / 0.1);
    const e = evaluatePrior(params(), [weights], null, 1, true);
    const h = 1e-5;
    expect(pi0Gradient(params(), e.mass, opts).grad).toBeCloseTo((total(z + h) - total(z - h)) / (2 * h), 5);
    expect(pi0Gradient(params(), e.mass, options)).toEqual({ grad: 0, hyperValue: 0 });
  });

  it('scales the weight gradient and spreads the responsibility mass', () => {
    const g1 = new Float32Array(weights.length);
    const g2 = new Float32Array(weights.length);
    evaluatePrior(params(), [weights], [g1], 1);
    const e = evaluatePrior(params(), [weights], [g2], 0.5);
    g1.forEach((v, i) => expect(g2[i]).toBeCloseTo(v * 0.5, 5));
    expect(e.mass.reduce((s, x) => s + x, 0)).toBeCloseTo(weights.length, 9);
  });

  it.each([
    ['huge weights', [1e3, -1e3, 1e6, -3e7]],
    ['exact zeros and denormals', [0, -0, 1e-45, -1e-40]],
  ])('stays finite for %s', (_n, ws) => {
    const g = new Float32Array(ws.length);
    const e = evaluatePrior(params(), [Float32Array.from(ws)], [g], 1, true);
    expect(Number.isFinite(e.negLogP)).toBe(true);
    g.forEach((v) => expect(Number.isFinite(v)).toBe(true));
    for (const k of ['means', 'gammas', 'rhos'] as const) e.grads[k].forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });

  it('stays finite with a collapsed component at the variance floor', () => {
    const p = params();
    p.gammas[2] = -Math.log(1e-8);
    const g = new Float32Array(weights.length);
    const e = evaluatePrior(p, [weights, Float32Array.from([-0.1, -0.1])], [g, new Float32Array(2)], 1, true);
    expect(Number.isFinite(e.negLogP)).toBe(true);
    g.forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });
});

describe('mixture helpers', () => {
  it('initialises means over the weight range and proportions that sum to 1', () => {
    const p = initMixture(options, [Float32Array.from([-0.5, 0.1, 0.7])]);
    [0, -0.5, -0.1, 0.3, 0.7].forEach((m, j) => expect(p.means[j]).toBeCloseTo(m, 6));
    const pi = proportions(p);
    expect(pi[0]).toBe(0.999);
    expect(pi.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(pi[1]).toBeCloseTo(0.00025, 12);
  });

  it('gives the Gamma hyper-prior gradient', () => {
    const p = params();
    const g = new Float64Array(5);
    gammaHyperPrior(p, options, g);
    const h = 1e-6;
    const up = params();
    up.gammas[3] += h;
    const dn = params();
    dn.gammas[3] -= h;
    expect(g[3]).toBeCloseTo((gammaHyperPrior(up, options) - gammaHyperPrior(dn, options)) / (2 * h), 3);
  });

  it('assigns by MAP or maximum likelihood, and responsibilities sum to 1', () => {
    const m = toMixture(params());
    expect(mostResponsible(m, 0.01, 'map')).toBe(0);
    expect(mostResponsible(m, -0.3, 'ml')).toBe(1);
    const xs = Float32Array.from([-0.5, -0.3, -0.05, 0, 0.01, 0.13, 0.2, 0.36, 2]);
    for (const rule of ['map', 'ml'] as const) {
      expect(Array.from(assignComponents(m, xs, rule))).toEqual(Array.from(xs, (x) => mostResponsible(m, x, rule)));
    }
    const r = responsibilities(m, 0.1);
    expect(r.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    // a weight between the zero component and a free one goes to zero under MAP (pi0 = 0.9) but not under ML
    expect(mostResponsible(m, 0.13, 'map')).toBe(0);
    expect(mostResponsible(m, 0.13, 'ml')).toBe(3);
  });
});
