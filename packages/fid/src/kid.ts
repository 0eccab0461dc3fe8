import { Rng } from '@flow/random';
import { FidInputError } from './errors';
import { gemmNT } from './linalg/gemm';

export interface KidOptions {
  /** Number of random subsets (torch-fidelity and clean-fid: 100). */
  subsets?: number;
  /** Rows per subset (default 1000, capped at the smaller set size as clean-fid does). */
  subsetSize?: number;
  /** Polynomial kernel (x.y * gamma + coef0)^degree; defaults degree 3, gamma 1/d, coef0 1. */
  degree?: number;
  gamma?: number;
  coef0?: number;
  seed?: number;
}

export interface KidResult {
  /** Mean of the unbiased MMD^2 estimates over subsets. */
  kid: number;
  /** Their standard deviation (ddof 0, as torch-fidelity reports). */
  std: number;
  subsets: number;
  subsetSize: number;
  dim: number;
}

function gather(x: ArrayLike<number>, idx: Int32Array, d: number): Float64Array {
  const out = new Float64Array(idx.length * d);
  for (let a = 0; a < idx.length; a++) {
    const o = idx[a] * d;
    for (let j = 0; j < d; j++) out[a * d + j] = x[o + j];
  }
  return out;
}

/** Sum of k(a_i, b_j) over all pairs (or over i != j when `sameSet`), Gram matrix by the blocked kernel. */
function kernelSum(A: Float64Array, B: Float64Array, m: number, d: number, gamma: number, coef0: number, degree: number, sameSet: boolean): number {
  const G = new Float64Array(m * m);
  gemmNT(m, m, d, 1, A, 0, d, B, 0, d, G, 0, m, { lowerOnly: sameSet });
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const o = i * m;
    const jEnd = sameSet ? i : m;
    if (degree === 3) {
      for (let j = 0; j < jEnd; j++) {
        const t = G[o + j] * gamma + coef0;
        sum += t * t * t;
      }
    } else {
      for (let j = 0; j < jEnd; j++) sum += (G[o + j] * gamma + coef0) ** degree;
    }
  }
  return sameSet ? 2 * sum : sum;
}

/**
 * Unbiased MMD^2 between one subset of each set with the polynomial kernel:
 * (sum_{i != j} k(x_i, x_j) + sum_{i != j} k(y_i, y_j)) / (m (m - 1)) - 2 sum_{i, j} k(x_i, y_j) / m^2.
 */
export function mmdUnbiased(x: ArrayLike<number>, xi: Int32Array, y: ArrayLike<number>, yi: Int32Array, d: number, gamma: number, coef0 = 1, degree = 3): number {
  const m = xi.length;
  if (m < 2 || yi.length !== m) throw new FidInputError(`KID subsets need equal sizes >= 2, got ${m} and ${yi.length}`);
  const X = gather(x, xi, d);
  const Y = gather(y, yi, d);
  const kxx = kernelSum(X, X, m, d, gamma, coef0, degree, true);
  const kyy = kernelSum(Y, Y, m, d, gamma, coef0, degree, true);
  const kxy = kernelSum(X, Y, m, d, gamma, coef0, degree, false);
  return (kxx + kyy) / (m * (m - 1)) - (2 * kxy) / (m * m);
}

/**
 * Kernel Inception Distance (Binkowski et al. 2018): the unbiased polynomial-kernel MMD^2 averaged over random
 * subsets, with torch-fidelity / clean-fid defaults (kernel (x.y / d + 1)^3, 100 subsets of 1000 rows).
 * Features are row-major (rows x dim). Unbiased, so it can be slightly negative for equal distributions.
 */
export function kernelInceptionDistance(x: ArrayLike<number>, y: ArrayLike<number>, dim: number, options: KidOptions = {}): KidResult {
  if (x.length % dim !== 0 || y.length % dim !== 0) throw new FidInputError(`KID: feature arrays are not whole rows of ${dim}`);
  const nx = x.length / dim;
  const ny = y.length / dim;
  const subsets = options.subsets ?? 100;
  const m = Math.min(options.subsetSize ?? 1000, nx, ny);
  if (m < 2) throw new FidInputError(`KID needs at least 2 rows in each set, got ${nx} and ${ny}`);
  const gamma = options.gamma ?? 1 / dim;
  const rng = new Rng(options.seed ?? 0);
  const values: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const xi = rng.permutation(nx).slice(0, m);
    const yi = rng.permutation(ny).slice(0, m);
    values.push(mmdUnbiased(x, xi, y, yi, dim, gamma, options.coef0 ?? 1, options.degree ?? 3));
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { kid: mean, std, subsets, subsetSize: m, dim };
}
