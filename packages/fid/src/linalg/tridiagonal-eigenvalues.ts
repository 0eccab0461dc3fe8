/**
 * Eigenvalues of the symmetric tridiagonal matrix (diagonal d, off-diagonal e) by the implicit QL method
 * with Wilkinson shifts (EISPACK tql1 / Numerical Recipes tqli, eigenvalues only: O(n^2)). Inputs are not
 * modified; the result is sorted ascending.
 */
export function tridiagonalEigenvalues(diag: ArrayLike<number>, off: ArrayLike<number>): Float64Array {
  return tridiagonalQl(diag, off).sort();
}

/**
 * The QL iteration itself, unsorted. With `z` (row-major, `diag.length` columns, any number of rows) every
 * plane rotation is also applied to z's columns (EISPACK tql2): start from the identity to get the
 * eigenvectors of T, or from the Householder Q (see symmetricEigen) to get those of A. The rotations do not
 * feed back into the eigenvalues, which are the same to the last bit with or without z.
 */
export function tridiagonalQl(diag: ArrayLike<number>, off: ArrayLike<number>, z?: Float64Array): Float64Array {
  const n = diag.length;
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) e[i] = off[i];
  const rows = z ? z.length / Math.max(1, n) : 0;
  const eps = 2.220446049250313e-16;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= eps * dd) break;
      }
      if (m !== l) {
        if (iter++ === 200) throw new Error('tridiagonalQl: QL iteration did not converge');
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        let underflow = false;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i];
          const b = c * e[i];
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] -= p;
            e[m] = 0;
            underflow = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          for (let k = 0, o = 0; k < rows; k++, o += n) {
            const zi = z![o + i];
            const f2 = z![o + i + 1];
            z![o + i + 1] = s * zi + c * f2;
            z![o + i] = c * zi - s * f2;
          }
        }
        if (underflow) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
  return d;
}
