/**
 * DANSM's rule on a precomputed distance block: rows 0..rows-1 in order each take the nearest pool entry
 * not yet used (ties: the lowest index, as numpy's argmin), marking it used. `dist` is rows x poolSize,
 * row-major with row stride `ld` (default poolSize; a padded kernel output has more). Returns the chosen pool
 * index per row. Rows beyond the number of unused entries get -1.
 */
export function greedyAssign(dist: Float32Array | Float64Array, rows: number, poolSize: number, used: Uint8Array, ld = poolSize): Int32Array {
  const out = new Int32Array(rows).fill(-1);
  for (let b = 0; b < rows; b++) {
    const base = b * ld;
    let best = Infinity;
    let arg = -1;
    for (let k = 0; k < poolSize; k++) {
      if (used[k]) continue;
      const t = dist[base + k]!;
      if (t < best) {
        best = t;
        arg = k;
      }
    }
    if (arg < 0) {
      // Only non-finite distances left (or the pool is used up): fall back to the first unused entry.
      for (let k = 0; k < poolSize; k++) {
        if (!used[k]) {
          arg = k;
          break;
        }
      }
      if (arg < 0) return out;
    }
    used[arg] = 1;
    out[b] = arg;
  }
  return out;
}
