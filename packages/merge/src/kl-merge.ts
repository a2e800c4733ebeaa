import type { Mixture } from '@softshare/core';

/**
 * KL(N_i || N_j) between two univariate Gaussians, written with precisions
 * lambda = 1 / sigma^2: 0.5 (log lambda_i - log lambda_j) + lambda_j / 2 (1 / lambda_i + (mu_i - mu_j)^2) - 0.5.
 */
export function klDivergence(muI: number, varI: number, muJ: number, varJ: number): number {
  const lamI = 1 / varI;
  const lamJ = 1 / varJ;
  return 0.5 * (Math.log(lamI) - Math.log(lamJ)) + (lamJ / 2) * (varI + (muI - muJ) ** 2) - 0.5;
}

/** A merged mixture and, for each old component, the index of the new one it went into. */
export interface MergeResult {
  readonly mixture: Mixture;
  readonly mapping: Int32Array;
}

/**
 * Merge components whose KL divergence (either direction) is below `threshold`,
 * transitively: pi = sum pi, mu = pi-weighted mean, sigma^2 = pi-weighted variance.
 * The merged component whose mean is nearest zero becomes component 0 with mean exactly 0.
 *
 * @example
 * const { mixture } = mergeComponents(retrained.mixture, 1e-10);
 */
export function mergeComponents(m: Mixture, threshold: number): MergeResult {
  const J = m.means.length;
  const parent = Int32Array.from({ length: J }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (let i = 0; i < J; i++) {
    for (let j = i + 1; j < J; j++) {
      const kl = Math.min(
        klDivergence(m.means[i], m.variances[i], m.means[j], m.variances[j]),
        klDivergence(m.means[j], m.variances[j], m.means[i], m.variances[i]),
      );
      if (kl < threshold) parent[find(j)] = find(i);
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < J; i++) {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), i]);
  }
  const merged = [...groups.values()].map((members) => {
    let pi = 0;
    let mu = 0;
    let v = 0;
    for (const k of members) {
      pi += m.proportions[k];
      mu += m.proportions[k] * m.means[k];
      v += m.proportions[k] * m.variances[k];
    }
    const alone = members.length === 1 || pi === 0; // keep a lone component's parameters exactly
    return alone ? { members, pi, mu: m.means[members[0]], v: m.variances[members[0]] } : { members, pi, mu: mu / pi, v: v / pi };
  });
  // the group nearest zero becomes component 0, exactly zero; the others keep ascending means
  let zero = 0;
  merged.forEach((g, i) => {
    if (Math.abs(g.mu) < Math.abs(merged[zero].mu)) zero = i;
  });
  const ordered = [merged[zero], ...merged.filter((_, i) => i !== zero).sort((x, y) => x.mu - y.mu)];
  ordered[0] = { ...ordered[0], mu: 0 };
  const mapping = new Int32Array(J);
  ordered.forEach((g, n) => g.members.forEach((k) => (mapping[k] = n)));
  return {
    mixture: {
      means: Float64Array.from(ordered, (g) => g.mu),
      variances: Float64Array.from(ordered, (g) => g.v),
      proportions: Float64Array.from(ordered, (g) => g.pi),
    },
    mapping,
  };
}
