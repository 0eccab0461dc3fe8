import { checkFeatureDim } from './check-feature-dim';
import { FidInputError } from './errors';
import { choleskySemidefinite } from './linalg/cholesky';
import { gemmNT } from './linalg/gemm';
import { tridiagonalize } from './linalg/tridiagonalize';
import { tridiagonalEigenvalues } from './linalg/tridiagonal-eigenvalues';

/** A Gaussian fitted to features: mean (d) and covariance (d x d, row-major), as in pytorch-fid's `.npz`. */
export interface GaussianStats {
  mu: ArrayLike<number>;
  sigma: ArrayLike<number>;
}

export interface FrechetOptions {
  /**
   * pytorch-fid adds `eps * I` to both covariances when scipy's sqrtm returns non-finite entries. With finite
   * input the eigenvalue route never does, so by default (`'auto'`) no offset is added. A number forces the
   * offset (the covariance square root then uses sigma + eps I, the traces do not, as in pytorch-fid).
   */
  offset?: 'auto' | number;
  /** Memory budget in bytes for the d x d work matrices (default: what the machine has available). */
  memoryLimitBytes?: number;
}

export interface FrechetResult {
  /** |mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr sqrt(S1 S2). */
  fid: number;
  dim: number;
  /** |mu1 - mu2|^2 */
  meanTerm: number;
  traceSigma1: number;
  traceSigma2: number;
  /** tr sqrt(S1 S2) (pytorch-fid's `tr_covmean`). */
  traceSqrt: number;
  /** Numerical rank of the factored covariance (S1). */
  rank: number;
  /** Eigenvalues of L^T S2 L below zero (rounding): their square roots are imaginary and dropped. */
  negativeEigenvalues: number;
  /** The offset added to both covariances (0 unless forced). */
  offset: number;
}

function checkStats(name: string, s: GaussianStats, d: number): void {
  if (s.mu.length !== d) throw new FidInputError(`${name}: mu has ${s.mu.length} entries, expected ${d}`);
  if (s.sigma.length !== d * d) throw new FidInputError(`${name}: sigma has ${s.sigma.length} entries, expected ${d}x${d} = ${d * d}`);
  for (let i = 0; i < d; i++) if (!Number.isFinite(s.mu[i])) throw new FidInputError(`${name}: mu[${i}] is not finite (${s.mu[i]})`);
  for (let i = 0; i < d * d; i++) {
    if (!Number.isFinite(s.sigma[i])) throw new FidInputError(`${name}: sigma[${Math.floor(i / d)}, ${i % d}] is not finite (${s.sigma[i]})`);
  }
}

/**
 * tr sqrt(S1 S2) for symmetric positive semidefinite S1, S2 (d x d, row-major) and the eigenvalues behind it.
 *
 * With S1 = L L^T (Cholesky), S1 S2 = L (L^T S2 L) L^{-1} when L is invertible, and in general S1 S2 = L (L^T S2)
 * and L^T S2 L = (L^T S2) L share their non-zero eigenvalues (AB and BA do). M = L^T S2 L is symmetric positive
 * semidefinite, so its eigenvalues are real and >= 0, and tr sqrtm(S1 S2) = sum_i sqrt(lambda_i(M)): the value
 * scipy's sqrtm computes through a complex Schur form, here from a symmetric eigenproblem in real arithmetic.
 */
export function traceSqrtProduct(sigma1: ArrayLike<number>, sigma2: ArrayLike<number>, d: number): { traceSqrt: number; rank: number; eigenvalues: Float64Array } {
  const chol = choleskySemidefinite(sigma1, d);
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, sigma1[i * d + i]);
  if (chol.minPivot < -1e-3 * maxDiag) {
    throw new FidInputError(`sigma1 is not positive semidefinite (Cholesky pivot ${chol.minPivot.toExponential(3)}): not a covariance matrix`);
  }
  const r = chol.rank;
  if (r === 0) return { traceSqrt: 0, rank: 0, eigenvalues: new Float64Array(0) };
  // Lt: the kept columns of L as rows (r x d). Row q is zero before column kept[q] >= q: upper triangular.
  const { L, kept } = chol;
  const Lt = new Float64Array(r * d);
  for (let q = 0; q < r; q++) {
    const col = kept[q];
    const row = q * d;
    for (let p = col; p < d; p++) Lt[row + p] = L[p * d + col];
  }
  const s2 = sigma2 instanceof Float64Array ? sigma2 : Float64Array.from(sigma2);
  // Wt = L^T S2 (r x d), then M = L^T S2 L = Wt L (r x r, lower triangle).
  const Wt = new Float64Array(r * d);
  gemmNT(r, d, d, 1, Lt, 0, d, s2, 0, d, Wt, 0, d, { aUpper: true });
  const M = new Float64Array(r * r);
  gemmNT(r, r, d, 1, Lt, 0, d, Wt, 0, d, M, 0, r, { aUpper: true, lowerOnly: true });
  const { d: diag, e } = tridiagonalize(M, r);
  const eigenvalues = tridiagonalEigenvalues(diag, e);
  // Ascending order: small terms first, compensated sum.
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < r; i++) {
    const lam = eigenvalues[i];
    if (!(lam > 0)) continue; // sqrt of a rounding-negative eigenvalue is imaginary: its real part is 0.
    const y = Math.sqrt(lam) - comp;
    const t = sum + y;
    comp = t - sum - y;
    sum = t;
  }
  return { traceSqrt: sum, rank: r, eigenvalues };
}

/** Frechet distance between two Gaussians with every intermediate term; see {@link frechetDistance}. */
export function frechetDistanceDetails(a: GaussianStats, b: GaussianStats, options: FrechetOptions = {}): FrechetResult {
  const d = a.mu.length;
  if (d === 0) throw new FidInputError('stats: mu is empty (dimension 0)');
  checkStats('stats 1', a, d);
  if (b.mu.length !== d) throw new FidInputError(`stats 2: dimension ${b.mu.length} differs from stats 1 (${d})`);
  checkStats('stats 2', b, d);
  checkFeatureDim(d, options.memoryLimitBytes);
  const offset = options.offset === undefined || options.offset === 'auto' ? 0 : options.offset;
  if (!(offset >= 0) || !Number.isFinite(offset)) throw new FidInputError(`offset must be a finite number >= 0, got ${String(options.offset)}`);
  let meanTerm = 0;
  for (let i = 0; i < d; i++) {
    const t = a.mu[i] - b.mu[i];
    meanTerm += t * t;
  }
  let traceSigma1 = 0;
  let traceSigma2 = 0;
  for (let i = 0; i < d; i++) {
    traceSigma1 += a.sigma[i * d + i];
    traceSigma2 += b.sigma[i * d + i];
  }
  let s1: ArrayLike<number> = a.sigma;
  let s2: ArrayLike<number> = b.sigma;
  if (offset > 0) {
    const o1 = Float64Array.from(a.sigma);
    const o2 = Float64Array.from(b.sigma);
    for (let i = 0; i < d; i++) {
      o1[i * d + i] += offset;
      o2[i * d + i] += offset;
    }
    s1 = o1;
    s2 = o2;
  }
  const { traceSqrt, rank, eigenvalues } = traceSqrtProduct(s1, s2, d);
  let negativeEigenvalues = 0;
  for (const lam of eigenvalues) if (lam < 0) negativeEigenvalues++;
  const fid = meanTerm + traceSigma1 + traceSigma2 - 2 * traceSqrt;
  return { fid, dim: d, meanTerm, traceSigma1, traceSigma2, traceSqrt, rank, negativeEigenvalues, offset };
}

/**
 * Frechet distance between N(mu1, S1) and N(mu2, S2), in float64, equal to pytorch-fid's
 * `calculate_frechet_distance`: |mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr sqrtm(S1 S2).
 */
export function frechetDistance(a: GaussianStats, b: GaussianStats, options: FrechetOptions = {}): number {
  return frechetDistanceDetails(a, b, options).fid;
}
