/**
 * DANSM's rule on a precomputed distance block: rows 0..rows-1 in order each take the nearest pool entry
 * not yet used (ties: the lowest index, as numpy's argmin), marking it used. `dist` is rows x poolSize,
 * row-major with row stride `ld` (default poolSize; a padded kernel output has more). Returns the chosen pool
 * index per row. Rows beyond the number of unused entries get -1.
 *
 * With `index`, `dist` has `index.length` columns in any order, column j holding pool entry `index[j]` (a kernel
 * that skips used entries returns its live ones so); entries absent from `index` count as used. Ties still go to
 * the lowest pool index, so the result is the same as over the full block.
 */
export function greedyAssign(dist: Float32Array | Float64Array, rows: number, poolSize: number, used: Uint8Array, ld = poolSize, index?: Int32Array): Int32Array {
  const out = new Int32Array(rows).fill(-1);
  // The unused entries' columns in pool-index order (so the first minimum is the lowest index), shrunk as rows
  // take them: each row scans only these, with no branch on `used` (2-4x faster than testing every entry once
  // part of the pool is used).
  const free = new Int32Array(index ? index.length : poolSize);
  let n = 0;
  if (index) {
    const column = new Int32Array(poolSize).fill(-1);
    for (let j = 0; j < index.length; j++) column[index[j]!] = j;
    for (let k = 0; k < poolSize; k++) if (column[k]! >= 0 && !used[k]) free[n++] = column[k]!;
  } else {
    for (let k = 0; k < poolSize; k++) if (!used[k]) free[n++] = k;
  }
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
    const col = free[at]!;
    const arg = index ? index[col]! : col;
    free.copyWithin(at, at + 1, n);
    n--;
    used[arg] = 1;
    out[b] = arg;
  }
  return out;
}
