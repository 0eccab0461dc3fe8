import { tridiagonalQl } from './tridiagonal-eigenvalues';
import { tridiagonalize } from './tridiagonalize';

/** Q = H_(n-1) ... H_1 from the reflectors tridiagonalize kept (tau and rows of A), so that A = Q T Q^T. */
function householderQ(A: Float64Array, n: number, tau: Float64Array): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const w = new Float64Array(n);
  // H_1 acts first: q <- H_c q for c = 1, 2, ..., n - 1
  for (let c = 1; c < n; c++) {
    const t = tau[c];
    if (t === 0) continue;
    const oc = c * n;
    w.fill(0);
    for (let j = 0; j < c; j++) {
      const vj = j === c - 1 ? 1 : A[oc + j];
      const row = j * n;
      for (let k = 0; k < n; k++) w[k] += vj * q[row + k];
    }
    for (let j = 0; j < c; j++) {
      const vj = t * (j === c - 1 ? 1 : A[oc + j]);
      const row = j * n;
      for (let k = 0; k < n; k++) q[row + k] -= vj * w[k];
    }
  }
  return q;
}

/**
 * Eigenvalues (ascending) and eigenvectors of a symmetric n x n matrix given row-major (only the lower
 * triangle is read): the same Householder tridiagonalisation and implicit QL as symmetricEigenvalues, with the
 * rotations accumulated onto the Householder Q (EISPACK tred2 + tql2). `vectors` is row-major n x n, column j
 * the unit eigenvector of values[j]. O(n^3) with a larger constant than the eigenvalues alone: meant for the
 * small matrices of a Rayleigh-Ritz step or a PCA, not for FID's 2048 x 2048. The input is not modified.
 */
export function symmetricEigen(A: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  if (A.length !== n * n) throw new RangeError(`symmetricEigen: expected ${n * n} entries, got ${A.length}`);
  const work = Float64Array.from(A);
  const tau = new Float64Array(n);
  const { d, e } = tridiagonalize(work, n, tau);
  const z = householderQ(work, n, tau);
  const raw = tridiagonalQl(d, e, z);
  const order = Array.from(raw.keys()).sort((a, b) => raw[a] - raw[b]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    values[to] = raw[from];
    for (let r = 0; r < n; r++) vectors[r * n + to] = z[r * n + from];
  });
  return { values, vectors };
}
