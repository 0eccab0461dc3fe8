/**
 * DANSM's rule on a precomputed distance block: rows 0..rows-1 in order each take the nearest pool entry
 * not yet used (ties: the lowest index, as numpy's argmin), marking it used. `dist` is rows x poolSize,
 * row-major with row stride `ld` (default poolSize; a padded kernel output has more). Returns the chosen pool
 * index per row. Rows beyond the number of unused entries get -1.
 */
export function greedyAssign(dist: Float32Array | Float64Array, rows: number, poolSize: number, used: Uint8Array, ld = poolSize): Int32Array {
  const out = new Int32Array(rows).fill(-1);
  // The unused entries in index order, shrunk as rows take them: each row scans only these, with no branch on
  // `used` (2-4x faster than testing every entry once part of the pool is used).
  const free = new Int32Array(poolSize);
  let n = 0;
  for (let k = 0; k < poolSize; k++) if (!used[k]) free[n++] = k;
  for (let b = 0; b < rows && n > 0; b++) {
    const base = b * ld;
    let best = Infinity;
    let at = 0; // only non-finite distances left: the first unused entry
    for (let t = 0; t < n; t++) {
      const v = dist[base + free[t]!]!;
      if (v < best) {
        best = v;
        at = t;
      }
    }
    const arg = free[at]!;
    free.copyWithin(at, at + 1, n);
    n--;
    used[arg] = 1;
    out[b] = arg;
  }
  return out;
}
