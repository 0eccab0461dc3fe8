import { requireBinding } from './availability';
import { NativeInputError } from './errors';

/**
 * out (m x n) = a (m x k) . b (n x k)^T, row-major float32, with OpenBLAS sgemm on every core. The work is cut
 * over the columns of `out` (the rows of `b`) into pieces fixed by the problem, so a short, wide product (a batch
 * of rows against a large pool of rows, as DANSM's distances) reads `b` once, and the bits do not depend on the
 * thread count (1 to 8 threads).
 */
export function matMulABt(a: Float32Array, b: Float32Array, out: Float32Array, m: number, n: number, k: number): void {
  for (const [name, v] of [['m', m], ['n', n], ['k', k]] as const)
    if (!Number.isInteger(v) || v < 1) throw new NativeInputError(`${name}: expected a positive integer, got ${v}`, name);
  try {
    requireBinding().matMulABt(a, b, out, m, n, k);
  } catch (e) {
    // By name: the addon's TypeError may come from another realm (a test sandbox, a vm context).
    const err = e as { name?: unknown; message?: unknown } | null;
    if (err?.name === 'TypeError') throw new NativeInputError(String(err.message), 'matMulABt');
    throw e;
  }
}
