/**
 * Exact 1-D k-means by dynamic programming (Wang & Song's Ckmeans.1d.dp idea): in one
 * dimension an optimal clustering splits the sorted values into contiguous runs, so
 * D[k][i] = min_a D[k-1][a] + cost(a, i) over run boundaries a, where cost is the squared
 * error of a run about its mean. The best boundary moves right as i grows, so each layer
 * is solved by divide and conquer in O(n log n): O(K n log n) for every k up to K.
 *
 * Large tensors are first grouped into at most `maxBins` runs of equal count (each keeps
 * its count, sum and sum of squares, so the costs stay exact for the groups); the DP is
 * then exact over group boundaries, and a Lloyd pass over the raw values (`lloydWithZero`)
 * finishes the fit.
 */

interface Prefix {
  readonly n: number;
  readonly count: Float64Array;
  readonly sum: Float64Array;
  readonly sq: Float64Array;
}

function prefixOf(sorted: Float32Array, maxBins: number): Prefix {
  // distinct values first; then equal-count groups of them when there are too many
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (values.length > 0 && values[values.length - 1] === sorted[i]) counts[counts.length - 1]++;
    else {
      values.push(sorted[i]);
      counts.push(1);
    }
  }
  const groups = Math.min(values.length, maxBins);
  const count = new Float64Array(groups + 1);
  const sum = new Float64Array(groups + 1);
  const sq = new Float64Array(groups + 1);
  const per = sorted.length / groups;
  let g = 0;
  let seen = 0;
  for (let v = 0; v < values.length; v++) {
    // each distinct value its own group when they fit, else equal-count groups (a distinct value never straddles two)
    if (values.length <= maxBins) g = v;
    else while (g < groups - 1 && seen >= (g + 1) * per) g++;
    count[g + 1] += counts[v];
    sum[g + 1] += counts[v] * values[v];
    sq[g + 1] += counts[v] * values[v] * values[v];
    seen += counts[v];
  }
  let used = 0;
  for (let i = 1; i <= groups; i++) if (count[i] > 0) used = i;
  for (let i = 1; i <= used; i++) {
    count[i] += count[i - 1];
    sum[i] += sum[i - 1];
    sq[i] += sq[i - 1];
  }
  return { n: used, count: count.subarray(0, used + 1), sum: sum.subarray(0, used + 1), sq: sq.subarray(0, used + 1) };
}

/** Squared error of groups a..b-1 about their mean. */
function cost(p: Prefix, a: number, b: number): number {
  const c = p.count[b] - p.count[a];
  if (c <= 0) return 0;
  const s = p.sum[b] - p.sum[a];
  return Math.max(0, p.sq[b] - p.sq[a] - (s * s) / c);
}

/**
 * Optimal centres for every k from 1 to `maxK` (fewer when the values have fewer distinct
 * values than k): `result[k - 1]` holds k centres in ascending order, each the mean of its
 * run. `values` need not be sorted.
 *
 * @example
 * optimalCentres(Float32Array.of(1, 1.1, 5, 5.2), 2)[1]; // [1.05, 5.1]
 */
export function optimalCentres(values: Float32Array, maxK: number, maxBins = 4096): Float64Array[] {
  if (values.length === 0) return [];
  const p = prefixOf(Float32Array.from(values).sort(), maxBins);
  const n = p.n;
  const K = Math.min(maxK, n);
  let prev = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) prev[i] = cost(p, 0, i);
  const from: Int32Array[] = [new Int32Array(n + 1)];
  for (let k = 2; k <= K; k++) {
    const cur = new Float64Array(n + 1).fill(Infinity);
    const arg = new Int32Array(n + 1);
    // cur[i] for i in [lo, hi], with the best boundary known to lie in [optLo, optHi]
    const solve = (lo: number, hi: number, optLo: number, optHi: number): void => {
      if (lo > hi) return;
      const mid = (lo + hi) >> 1;
      let best = Infinity;
      let bestA = optLo;
      for (let a = Math.max(optLo, k - 1); a <= Math.min(optHi, mid - 1); a++) {
        const v = prev[a] + cost(p, a, mid);
        if (v < best) {
          best = v;
          bestA = a;
        }
      }
      cur[mid] = best;
      arg[mid] = bestA;
      solve(lo, mid - 1, optLo, bestA);
      solve(mid + 1, hi, bestA, optHi);
    };
    solve(k, n, k - 1, n - 1);
    from.push(arg);
    prev = cur;
  }
  const out: Float64Array[] = [];
  for (let k = 1; k <= K; k++) {
    const centres = new Float64Array(k);
    let b = n;
    for (let j = k; j >= 1; j--) {
      const a = j === 1 ? 0 : from[j - 1][b];
      centres[j - 1] = (p.sum[b] - p.sum[a]) / (p.count[b] - p.count[a]);
      b = a;
    }
    out.push(centres);
  }
  return out;
}

/** A tensor on shared values: `codebook[codes[i]]`, codebook[0] = 0. */
export interface SharedFit {
  readonly codebook: Float32Array;
  readonly codes: Uint8Array;
  /** Sum of squared differences from the original values. */
  readonly squaredError: number;
}

/**
 * Lloyd's iterations with the value 0 always in the codebook: every live value takes the
 * nearest codebook entry (0 included, so small values become exact zeros), every non-zero
 * entry moves to the float32 mean of its values; values with `live[i] = 0` stay 0. Entries
 * left empty or rounded to 0 are dropped, and the codebook is returned in ascending order
 * after its 0. Deterministic.
 */
export function lloydWithZero(w: Float32Array, live: Uint8Array, centres: ArrayLike<number>, iterations = 20): SharedFit {
  let book = [...new Set(Array.from(centres, (c) => Math.fround(c)).filter((c) => c !== 0))].sort((a, b) => a - b);
  const codes = new Uint8Array(w.length);
  const assign = (): boolean => {
    let changed = false;
    for (let i = 0; i < w.length; i++) {
      let best = 0;
      if (live[i]) {
        const x = w[i];
        let d = Math.abs(x);
        // book is sorted: binary search for the first entry >= x, then compare neighbours
        let lo = 0;
        let hi = book.length;
        while (lo < hi) {
          const m = (lo + hi) >> 1;
          if (book[m] < x) lo = m + 1;
          else hi = m;
        }
        for (const j of [lo - 1, lo]) {
          if (j < 0 || j >= book.length) continue;
          const dj = Math.abs(x - book[j]);
          if (dj < d) {
            d = dj;
            best = j + 1;
          }
        }
      }
      if (codes[i] !== best) changed = true;
      codes[i] = best;
    }
    return changed;
  };
  assign();
  for (let it = 0; it < iterations; it++) {
    const sum = new Float64Array(book.length + 1);
    const count = new Float64Array(book.length + 1);
    for (let i = 0; i < w.length; i++) {
      sum[codes[i]] += w[i];
      count[codes[i]]++;
    }
    const next = book.map((c, j) => (count[j + 1] > 0 ? Math.fround(sum[j + 1] / count[j + 1]) : 0)).filter((c) => c !== 0);
    const moved = next.length !== book.length || next.some((c, j) => c !== book[j]);
    book = [...new Set(next)].sort((a, b) => a - b);
    if (!moved) break;
    if (!assign()) break;
  }
  // codes of the final codebook, and only the entries some value uses
  assign();
  const used = new Uint8Array(book.length + 1);
  for (let i = 0; i < codes.length; i++) used[codes[i]] = 1;
  const remap = new Uint8Array(book.length + 1);
  const kept: number[] = [0];
  for (let j = 1; j <= book.length; j++) if (used[j]) remap[j] = kept.push(book[j - 1]) - 1;
  const codebook = Float32Array.from(kept);
  let squaredError = 0;
  for (let i = 0; i < codes.length; i++) {
    codes[i] = remap[codes[i]];
    const e = w[i] - codebook[codes[i]];
    squaredError += e * e;
  }
  return { codebook, codes, squaredError };
}
