import { tridiagonalize } from './tridiagonalize';
import { tridiagonalEigenvalues } from './tridiagonal-eigenvalues';

/**
 * All eigenvalues (ascending) of a symmetric n x n matrix given row-major; only the lower triangle is read.
 * Householder tridiagonalisation (blocked) followed by implicit QL. The input is not modified.
 */
export function symmetricEigenvalues(A: ArrayLike<number>, n: number): Float64Array {
  if (A.length !== n * n) throw new RangeError(`symmetricEigenvalues: expected ${n * n} entries, got ${A.length}`);
  const work = Float64Array.from(A);
  const { d, e } = tridiagonalize(work, n);
  return tridiagonalEigenvalues(d, e);
}
