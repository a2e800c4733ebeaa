/** Index (>= 1) of the non-zero entry of `codebook` nearest to `w`; ties go to the lower index. */
export function nearestNonZeroCode(codebook: ArrayLike<number>, w: number): number {
  let best = 1;
  for (let k = 2; k < codebook.length; k++) if (Math.abs(codebook[k] - w) < Math.abs(codebook[best] - w)) best = k;
  return best;
}
