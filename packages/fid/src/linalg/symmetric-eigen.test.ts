import { Rng } from '@flow/random';
import { symmetricEigen } from './symmetric-eigen';
import { symmetricEigenvalues } from './symmetric-eigenvalues';
import { tridiagonalize } from './tridiagonalize';

function randomSymmetric(n: number, seed: number): Float64Array {
  const a = new Rng(seed).fillNormal(new Float64Array(n * n));
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = a[i * n + j] + a[j * n + i];
  return s;
}

describe('symmetricEigen', () => {
  // 1 and 2 are edge cases, 33 and 70 span more than one 32-row panel of the blocked tridiagonalisation
  it.each([1, 2, 5, 33, 70])('n = %i: A v = lambda v, orthonormal vectors, the eigenvalues of symmetricEigenvalues', (n) => {
    const A = randomSymmetric(n, n);
    const copy = Float64Array.from(A);
    const { values, vectors } = symmetricEigen(A, n);
    expect(A).toEqual(copy);
    // the same tridiagonalisation and QL iteration: the same eigenvalues to the last bit
    expect(values).toEqual(symmetricEigenvalues(A, n));
    let residual = 0;
    let orthogonality = 0;
    for (let c = 0; c < n; c++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += A[i * n + j] * vectors[j * n + c];
        residual = Math.max(residual, Math.abs(av - values[c] * vectors[i * n + c]));
      }
      for (let d = 0; d < n; d++) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += vectors[j * n + c] * vectors[j * n + d];
        orthogonality = Math.max(orthogonality, Math.abs(dot - (c === d ? 1 : 0)));
      }
    }
    expect(residual).toBeLessThan(1e-12 * n);
    expect(orthogonality).toBeLessThan(1e-13 * n);
  });

  it('finds a known decomposition, repeated eigenvalues included', () => {
    // diag(3, 1, 1, -2) rotated by a Householder matrix H = I - 2 u u^T
    const u = [0.5, -0.5, 0.5, 0.5];
    const h = (i: number, j: number) => (i === j ? 1 : 0) - 2 * u[i] * u[j];
    const diag = [3, 1, 1, -2];
    const A = new Float64Array(16);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 4; k++) A[i * 4 + j] += h(i, k) * diag[k] * h(j, k);
    const { values, vectors } = symmetricEigen(A, 4);
    expect(Array.from(values)).toEqual([-2, 1, 1, 3].map((v) => expect.closeTo(v, 13)));
    // the eigenvector of 3 is H's first column, up to sign
    const top = [0, 1, 2, 3].map((i) => vectors[i * 4 + 3]);
    const sign = Math.sign(top[0]) * Math.sign(h(0, 0));
    top.forEach((v, i) => expect(v * sign).toBeCloseTo(h(i, 0), 13));
  });

  it('keeping the reflectors does not change the tridiagonal matrix (FID stays bit-identical)', () => {
    const n = 70;
    const A = randomSymmetric(n, 7);
    const plain = tridiagonalize(Float64Array.from(A), n);
    const kept = tridiagonalize(Float64Array.from(A), n, new Float64Array(n));
    expect(kept.d).toEqual(plain.d);
    expect(kept.e).toEqual(plain.e);
  });
});
