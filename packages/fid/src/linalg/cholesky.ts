import { gemmNT } from './gemm';

export interface CholeskyResult {
  /** Lower-triangular factor, row-major d x d, strictly upper part zero; dropped columns are zero. */
  L: Float64Array;
  /** Number of columns kept (the numerical rank). */
  rank: number;
  /** Indices of columns kept, ascending. */
  kept: Int32Array;
  /** Most negative pivot met (0 when none): how far from positive semidefinite the input was. */
  minPivot: number;
}

const NB = 64;

/**
 * Blocked right-looking Cholesky S = L L^T of a symmetric positive semidefinite matrix (only its lower
 * triangle is read). A covariance from fewer samples than dimensions is singular, so a pivot at or below
 * `tol` (default d * eps * max diag, the LAPACK dpstrf rule) drops its column instead of failing: for a PSD
 * matrix a vanishing pivot means the whole remaining column vanishes too (|a_ij| <= sqrt(a_ii a_jj)), so
 * L L^T still equals S up to rounding.
 */
export function choleskySemidefinite(S: ArrayLike<number>, d: number, tol?: number): CholeskyResult {
  const L = new Float64Array(d * d);
  let maxDiag = 0;
  for (let i = 0; i < d; i++) {
    const row = i * d;
    for (let j = 0; j <= i; j++) L[row + j] = S[row + j];
    maxDiag = Math.max(maxDiag, S[row + i]);
  }
  const threshold = tol ?? d * 2.220446049250313e-16 * maxDiag;
  const alive = new Uint8Array(d);
  let minPivot = 0;
  for (let k0 = 0; k0 < d; k0 += NB) {
    const k1 = Math.min(d, k0 + NB);
    // Diagonal block, unblocked (earlier panels are already subtracted by the trailing updates).
    for (let j = k0; j < k1; j++) {
      const rj = j * d;
      let s = L[rj + j];
      for (let p = k0; p < j; p++) s -= L[rj + p] * L[rj + p];
      if (!(s > threshold)) {
        if (s < minPivot) minPivot = s;
        for (let i = j; i < k1; i++) L[i * d + j] = 0;
        continue;
      }
      alive[j] = 1;
      const ljj = Math.sqrt(s);
      L[rj + j] = ljj;
      for (let i = j + 1; i < k1; i++) {
        const ri = i * d;
        let t = L[ri + j];
        for (let p = k0; p < j; p++) t -= L[ri + p] * L[rj + p];
        L[ri + j] = t / ljj;
      }
    }
    // Panel below the diagonal block: rows k1.., solve x L_kk^T = a.
    for (let i = k1; i < d; i++) {
      const ri = i * d;
      for (let j = k0; j < k1; j++) {
        if (!alive[j]) {
          L[ri + j] = 0;
          continue;
        }
        const rj = j * d;
        let t = L[ri + j];
        for (let p = k0; p < j; p++) t -= L[ri + p] * L[rj + p];
        L[ri + j] = t / L[rj + j];
      }
    }
    // Trailing update of the lower triangle: A22 -= P P^T.
    const m = d - k1;
    if (m > 0) gemmNT(m, m, k1 - k0, -1, L, k1 * d + k0, d, L, k1 * d + k0, d, L, k1 * d + k1, d, { lowerOnly: true });
  }
  for (let i = 0; i < d; i++) L.fill(0, i * d + i + 1, (i + 1) * d);
  let rank = 0;
  for (let j = 0; j < d; j++) rank += alive[j];
  const kept = new Int32Array(rank);
  for (let j = 0, t = 0; j < d; j++) if (alive[j]) kept[t++] = j;
  return { L, rank, kept, minPivot };
}
