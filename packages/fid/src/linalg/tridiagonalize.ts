import { gemmNT } from './gemm';

const NB = 32;

/**
 * y = A[0:m, 0:m] v for a symmetric matrix stored row-major (leading dimension n) whose lower triangle is
 * valid. Four rows at a time: every load of v[j] and y[j] serves four matrix entries, and each matrix entry
 * is read once for both of its roles (row i, and column i by symmetry). Memory bound.
 */
function symvLower(A: Float64Array, n: number, m: number, v: Float64Array, y: Float64Array): void {
  y.fill(0, 0, m);
  let r = 0;
  for (; r + 3 < m; r += 4) {
    const o0 = r * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    const v0 = v[r], v1 = v[r + 1], v2 = v[r + 2], v3 = v[r + 3];
    let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    for (let j = 0; j < r; j++) {
      const a0 = A[o0 + j], a1 = A[o1 + j], a2 = A[o2 + j], a3 = A[o3 + j];
      const vj = v[j];
      c0 += a0 * vj;
      c1 += a1 * vj;
      c2 += a2 * vj;
      c3 += a3 * vj;
      y[j] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
    }
    // The 4x4 diagonal block.
    const a10 = A[o1 + r], a20 = A[o2 + r], a21 = A[o2 + r + 1], a30 = A[o3 + r], a31 = A[o3 + r + 1], a32 = A[o3 + r + 2];
    y[r] += c0 + A[o0 + r] * v0 + a10 * v1 + a20 * v2 + a30 * v3;
    y[r + 1] += c1 + a10 * v0 + A[o1 + r + 1] * v1 + a21 * v2 + a31 * v3;
    y[r + 2] += c2 + a20 * v0 + a21 * v1 + A[o2 + r + 2] * v2 + a32 * v3;
    y[r + 3] += c3 + a30 * v0 + a31 * v1 + a32 * v2 + A[o3 + r + 3] * v3;
  }
  for (; r < m; r++) {
    const o = r * n;
    const vr = v[r];
    let acc = 0;
    for (let j = 0; j < r; j++) {
      const a = A[o + j];
      acc += a * v[j];
      y[j] += a * vr;
    }
    y[r] += acc + A[o + r] * vr;
  }
}

/**
 * Householder reduction of a symmetric matrix to tridiagonal form (Q^T A Q = T), blocked like LAPACK's
 * dsytrd/dlatrd. It reads only the lower triangle of the row-major A and works from the last row upwards
 * (LAPACK's 'U' variant seen through the transpose), so every reflector is built from a contiguous row and
 * every update touches contiguous rows. Within a panel of 32 rows each reflector needs one symmetric
 * matrix-vector product over the leading block (memory bound); the panel's rank-2k update of the leading
 * block is then applied at once by the blocked kernel. A is overwritten. Returns the diagonal d (n) and
 * off-diagonal e (n - 1); T has the same eigenvalues as A. With `tau` (length n) the reflectors are kept for
 * householderQ: tau[c] and v in row c of A (entries 0..c-2; v[c-1] = 1), which nothing reads after row c.
 */
export function tridiagonalize(A: Float64Array, n: number, tau?: Float64Array): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  if (n === 0) return { d, e };
  const Vt = new Float64Array(n * NB);
  const Wt = new Float64Array(n * NB);
  const v = new Float64Array(n);
  const y = new Float64Array(n);
  const tV = new Float64Array(NB);
  const tW = new Float64Array(NB);
  for (let k1 = n; k1 > 1; ) {
    const nb = Math.min(NB, k1 - 1);
    const k0 = k1 - nb;
    Vt.fill(0, 0, k1 * NB);
    Wt.fill(0, 0, k1 * NB);
    for (let i = 0; i < nb; i++) {
      const c = k1 - 1 - i;
      const oc = c * n;
      const wc = c * NB;
      // Bring row c (entries 0..c) up to date with the panel's earlier reflectors.
      if (i > 0) {
        for (let j = 0; j <= c; j++) {
          const wj = j * NB;
          let s = 0;
          for (let q = 0; q < i; q++) s += Vt[wj + q] * Wt[wc + q] + Wt[wj + q] * Vt[wc + q];
          A[oc + j] -= s;
        }
      }
      d[c] = A[oc + c];
      // Reflector H = I - tau v v^T on x = A[c, 0..c-1], H x = beta e_(c-1) (LAPACK dlarfg convention).
      const alpha = A[oc + c - 1];
      let scale = 0;
      for (let j = 0; j < c - 1; j++) scale = Math.max(scale, Math.abs(A[oc + j]));
      let xnorm = 0;
      if (scale > 0) {
        let ss = 0;
        for (let j = 0; j < c - 1; j++) {
          const t = A[oc + j] / scale;
          ss += t * t;
        }
        xnorm = scale * Math.sqrt(ss);
      }
      if (xnorm === 0) {
        e[c - 1] = alpha;
        continue; // H = I: the V and W columns stay zero.
      }
      const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
      const tau0 = (beta - alpha) / beta;
      const inv = 1 / (alpha - beta);
      e[c - 1] = beta;
      for (let j = 0; j < c - 1; j++) v[j] = A[oc + j] * inv;
      v[c - 1] = 1;
      if (tau) {
        tau[c] = tau0;
        for (let j = 0; j < c - 1; j++) A[oc + j] = v[j];
      }
      for (let j = 0; j < c; j++) Vt[j * NB + i] = v[j];
      // y = tau * (A_current v) on the leading c x c block; A_current = stale A - sum_q (v_q w_q^T + w_q v_q^T).
      symvLower(A, n, c, v, y);
      if (i > 0) {
        tV.fill(0, 0, i);
        tW.fill(0, 0, i);
        for (let j = 0; j < c; j++) {
          const wj = j * NB;
          const vj = v[j];
          for (let q = 0; q < i; q++) {
            tV[q] += Vt[wj + q] * vj;
            tW[q] += Wt[wj + q] * vj;
          }
        }
        for (let j = 0; j < c; j++) {
          const wj = j * NB;
          let s = 0;
          for (let q = 0; q < i; q++) s += Wt[wj + q] * tV[q] + Vt[wj + q] * tW[q];
          y[j] -= s;
        }
      }
      let yv = 0;
      for (let j = 0; j < c; j++) {
        y[j] *= tau0;
        yv += y[j] * v[j];
      }
      const a2 = -0.5 * tau0 * yv;
      for (let j = 0; j < c; j++) Wt[j * NB + i] = y[j] + a2 * v[j];
    }
    // Rank-2k update of the leading block's lower triangle: A[0:k0, 0:k0] -= V W^T + W V^T.
    if (k0 > 0) {
      gemmNT(k0, k0, nb, -1, Vt, 0, NB, Wt, 0, NB, A, 0, n, { lowerOnly: true });
      gemmNT(k0, k0, nb, -1, Wt, 0, NB, Vt, 0, NB, A, 0, n, { lowerOnly: true });
    }
    k1 = k0;
  }
  d[0] = A[0];
  return { d, e };
}
