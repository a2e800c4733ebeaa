import type { MixtureGrads, MixtureParams } from '@softshare/prior';
import { adamUpdate } from '@softshare/train';

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
 * One Adam step on the mixture, one learning rate per group. The zero component's mean
 * and proportion are fixed: their entries never move.
 */
export function mixtureAdamStep(
  params: MixtureParams,
  grads: MixtureGrads,
  state: MixtureAdamState,
  lr: { means: number; gammas: number; rhos: number },
): void {
  state.step += 1;
  for (const key of ['means', 'gammas', 'rhos'] as const) {
    adamUpdate(params[key], grads[key], state.m[key], state.v[key], state.step, lr[key], key === 'gammas' ? 0 : 1);
  }
}

/** One Adam step on z = logit(pi0), after mixtureAdamStep (it shares that step count). */
export function pi0AdamStep(params: MixtureParams, grad: number, state: MixtureAdamState, lr: number): void {
  const s = (state.pi0 ??= { m: 0, v: 0 });
  const z = Float64Array.of(Math.log(params.pi0) - Math.log1p(-params.pi0));
  const m = Float64Array.of(s.m);
  const v = Float64Array.of(s.v);
  adamUpdate(z, [grad], m, v, state.step, lr);
  s.m = m[0];
  s.v = v[0];
  // keep both the zero component and the free ones alive
  params.pi0 = Math.min(1 - 1e-9, Math.max(1e-9, 1 / (1 + Math.exp(-z[0]))));
}
