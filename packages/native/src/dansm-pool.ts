import { requireBinding } from './availability';
import { NativeInputError } from './errors';

// DANSM's pool kernel pieces (`@flow/matching` runs its greedy per training batch on them): the same arithmetic,
// to the bit, as that package's JS path, so the pairs do not depend on which one ran.

function positive(fields: [string, number][]): void {
  for (const [name, v] of fields) if (!Number.isInteger(v) || v < 1) throw new NativeInputError(`${name}: expected a positive integer, got ${v}`, name);
}

function checked<T>(kernel: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    // By name: the addon's TypeError may come from another realm (a test sandbox, a vm context).
    const err = e as { name?: unknown; message?: unknown } | null;
    if (err?.name === 'TypeError') throw new NativeInputError(String(err.message), kernel);
    throw e;
  }
}

/**
 * Centres `n` rows of `a` (n x dim, row-major) on `mean`: `out = a - mean` in float32 and `norms[i]` = the row's
 * sum of squared differences in float64 (from the unrounded differences). With `computeMean`, `mean` is first set
 * to the rows' mean (summed in row order per column). All threads; the same bits for any thread count.
 */
export function poolCentre(a: Float32Array, n: number, dim: number, computeMean: boolean, mean: Float64Array, out: Float32Array, norms: Float64Array): void {
  positive([['n', n], ['dim', dim]]);
  checked('poolCentre', () => requireBinding().poolCentre(a, n, dim, computeMean ? 1 : 0, mean, out, norms));
}

/**
 * Squared distances of centred rows to a centred pool: `out[i * cols + j] = nx[i] + nz[j] - 2 x_i . z_j` (the
 * dot products by `matMulABt`'s pieces, the sum in float64, rounded to float32, clamped at 0), in one call.
 */
export function poolDistances(x: Float32Array, rows: number, z: Float32Array, cols: number, dim: number, nx: Float64Array, nz: Float64Array, out: Float32Array): void {
  positive([['rows', rows], ['cols', cols], ['dim', dim]]);
  checked('poolDistances', () => requireBinding().poolDistances(x, rows, z, cols, dim, nx, nz, out));
}

/**
 * DANSM's in-order nearest-unused rule on a distance block `c` (rows x ld): `free` holds `n` candidate columns in
 * tie order; row b takes the first column of the smallest value (the first one when none is finite), which then
 * leaves `free` (so `free` changes). `pick[b]` = the column row b took; returns the rows served, min(rows, n).
 */
export function poolGreedy(c: Float32Array, rows: number, ld: number, free: Int32Array, n: number, pick: Int32Array): number {
  for (const [name, v] of [['rows', rows], ['ld', ld], ['n', n]] as const) if (!Number.isInteger(v) || v < 0) throw new NativeInputError(`${name}: expected an integer >= 0, got ${v}`, name);
  return checked('poolGreedy', () => requireBinding().poolGreedy(c, rows, ld, free, n, pick));
}
