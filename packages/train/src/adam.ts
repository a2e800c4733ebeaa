/** Adam's constants (the paper's and tfjs's defaults). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/**
 * One Adam step in float64 on p[from..], with moments m and v; `t` is the 1-based step
 * count the bias corrections use. The one Adam update softshare runs outside tfjs (the
 * mixture parameters, logit(pi0), the tune stage's shared values), so checkpoints of them
 * are exact.
 *
 * @example
 * adamUpdate(means, grads, m, v, step, 1e-4, 1); // entry 0 (the zero component) stays put
 */
export function adamUpdate(p: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, t: number, lr: number, from = 0): void {
  const { beta1: b1, beta2: b2, epsilon } = ADAM;
  const c1 = 1 - b1 ** t;
  const c2 = 1 - b2 ** t;
  for (let j = from; j < p.length; j++) {
    m[j] = b1 * m[j] + (1 - b1) * g[j];
    v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
    p[j] -= (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + epsilon);
  }
}
