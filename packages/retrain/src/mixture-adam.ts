import type { MixtureGrads, MixtureParams } from '@softshare/prior';

/** Adam moments for the mixture parameters (plain float64, so checkpoints are exact). */
export interface MixtureAdamState {
  step: number;
  /** Adam moments of logit(pi0) when pi0 is learned. */
  pi0?: { m: number; v: number };
  readonly m: { means: Float64Array; gammas: Float64Array; rhos: Float64Array };
  readonly v: { means: Float64Array; gammas: Float64Array; rhos: Float64Array };
}

export function createMixtureAdam(J: number): MixtureAdamState {
  const z = () => ({ means: new Float64Array(J), gammas: new Float64Array(J), rhos: new Float64Array(J) });
  return { step: 0, m: z(), v: z() };
}

/**
 * One Adam step (beta1 0.9, beta2 0.999, eps 1e-8) on the mixture, one learning rate per
 * group. The zero component's mean and proportion are fixed: their entries never move.
 */
export function mixtureAdamStep(
  params: MixtureParams,
  grads: MixtureGrads,
  state: MixtureAdamState,
  lr: { means: number; gammas: number; rhos: number },
): void {
  state.step += 1;
  const b1 = 0.9;
  const b2 = 0.999;
  const c1 = 1 - b1 ** state.step;
  const c2 = 1 - b2 ** state.step;
  for (const key of ['means', 'gammas', 'rhos'] as const) {
    const p = params[key];
    const g = grads[key];
    const m = state.m[key];
    const v = state.v[key];
    for (let j = key === 'gammas' ? 0 : 1; j < p.length; j++) {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
      p[j] -= (lr[key] * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + 1e-8);
    }
  }
}

/** One Adam step on z = logit(pi0), after mixtureAdamStep (it shares that step count). */
export function pi0AdamStep(params: MixtureParams, grad: number, state: MixtureAdamState, lr: number): void {
  const s = (state.pi0 ??= { m: 0, v: 0 });
  s.m = 0.9 * s.m + 0.1 * grad;
  s.v = 0.999 * s.v + 0.001 * grad * grad;
  const z = Math.log(params.pi0) - Math.log1p(-params.pi0);
  const next = z - (lr * (s.m / (1 - 0.9 ** state.step))) / (Math.sqrt(s.v / (1 - 0.999 ** state.step)) + 1e-8);
  // keep both the zero component and the free ones alive
  params.pi0 = Math.min(1 - 1e-9, Math.max(1e-9, 1 / (1 + Math.exp(-next))));
}
