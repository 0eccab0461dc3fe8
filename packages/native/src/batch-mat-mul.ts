import { requireBinding } from './availability';
import { NativeInputError } from './errors';

export interface BatchMatMulOptions {
  /** a[i] is stored [k, m] instead of [m, k]. */
  transposeA?: boolean;
  /** b[i] is stored [n, k] instead of [k, n]. */
  transposeB?: boolean;
  /** Which a matrix product i reads (default i); lets a batch broadcast one operand. */
  aIndex?: Int32Array;
  /** Which b matrix product i reads (default i). */
  bIndex?: Int32Array;
}

/** out[i] (m x n, row-major) = a[aIndex[i]] . b[bIndex[i]] for i < batch, with OpenBLAS sgemm. */
export function batchMatMul(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number, opts: BatchMatMulOptions = {}): void {
  for (const [name, v] of [['batch', batch], ['m', m], ['n', n], ['k', k]] as const)
    if (!Number.isInteger(v) || v < 1) throw new NativeInputError(`${name}: expected a positive integer, got ${v}`, name);
  const identity = (): Int32Array => Int32Array.from({ length: batch }, (_, i) => i);
  const ai = opts.aIndex ?? identity();
  const bi = opts.bIndex ?? identity();
  if (ai.length !== batch || bi.length !== batch) throw new NativeInputError(`aIndex/bIndex: expected ${batch} entries`, 'aIndex');
  try {
    requireBinding().batchMatMul(a, b, out, ai, bi, m, n, k, opts.transposeA ? 1 : 0, opts.transposeB ? 1 : 0);
  } catch (e) {
    if (e instanceof TypeError) throw new NativeInputError(e.message, 'batchMatMul');
    throw e;
  }
}
