import { symmetricEigen } from '@flow/fid';
import { Rng } from '@flow/random';

/**
 * A whitened PCA of MNIST: the demo's MNIST flows live in the k-d space of the top principal components,
 * each scaled to unit variance (a linear "latent" space), and samples are decoded back to 28x28 images.
 * An MLP on raw 784-d pixels leaves visible noise after the few hundred steps a CPU can afford, and the
 * smallest U-Net preset needs ~20 minutes on a wasm core before its digits are recognisable (FID 11.5 after
 * 2,000 steps), too long for four couplings in a demo; in PCA space a small MLP learns digits in a minute.
 */
export interface PcaModel {
  k: number;
  dim: number;
  mean: Float64Array;
  /** k x dim, orthonormal rows, by decreasing variance. */
  basis: Float64Array;
  /** Standard deviation of each component. */
  std: Float64Array;
}

/** Gram-Schmidt on the k columns of q (dim x k, row-major), in place. */
function orthonormalize(q: Float64Array, dim: number, k: number): void {
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < dim; r++) dot += q[r * k + i]! * q[r * k + j]!;
      for (let r = 0; r < dim; r++) q[r * k + j]! -= dot * q[r * k + i]!;
    }
    let norm = 0;
    for (let r = 0; r < dim; r++) norm += q[r * k + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < dim; r++) q[r * k + j]! /= norm;
  }
}

/** Top-k PCA of `rows` (n x dim) by subspace iteration on the covariance, then Rayleigh-Ritz (seeded, float64). */
export function fitPca(rows: Float32Array, n: number, dim: number, k: number, seed = 0): PcaModel {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d]! += rows[i * dim + d]!;
  for (let d = 0; d < dim; d++) mean[d]! /= n;
  // covariance (dim x dim), accumulated row by row over the upper triangle
  const cov = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) x[d] = rows[i * dim + d]! - mean[d]!;
    for (let a = 0; a < dim; a++) {
      const xa = x[a]!;
      if (xa === 0) continue;
      const base = a * dim;
      for (let b = a; b < dim; b++) cov[base + b]! += xa * x[b]!;
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const c = cov[a * dim + b]! / (n - 1);
      cov[a * dim + b] = c;
      cov[b * dim + a] = c;
    }
  }
  // subspace iteration with a few extra vectors for faster convergence
  const p = Math.min(dim, k + 8);
  let q = new Rng(seed).fillNormal(new Float64Array(dim * p));
  orthonormalize(q, dim, p);
  for (let it = 0; it < 40; it++) {
    const next = new Float64Array(dim * p);
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) {
        const c = cov[a * dim + b]!;
        if (c === 0) continue;
        for (let j = 0; j < p; j++) next[a * p + j]! += c * q[b * p + j]!;
      }
    }
    orthonormalize(next, dim, p);
    q = next;
  }
  // Rayleigh-Ritz: diagonalise Q^T C Q
  const cq = new Float64Array(dim * p);
  for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) {
    const c = cov[a * dim + b]!;
    if (c === 0) continue;
    for (let j = 0; j < p; j++) cq[a * p + j]! += c * q[b * p + j]!;
  }
  const small = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) {
    let s = 0;
    for (let a = 0; a < dim; a++) s += q[a * p + i]! * cq[a * p + j]!;
    small[i * p + j] = s;
  }
  const { values, vectors } = symmetricEigen(small, p);
  const order = Array.from({ length: p }, (_, i) => p - 1 - i);
  const basis = new Float64Array(k * dim);
  const std = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const e = order[c]!;
    std[c] = Math.sqrt(Math.max(values[e]!, 1e-12));
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += q[a * p + j]! * vectors[j * p + e]!;
      basis[c * dim + a] = s;
    }
    // an eigenvector's sign is arbitrary: make each component's largest pixel weight positive (the convention
    // of scikit-learn's svd_flip), so the latent space does not depend on the eigensolver or the random start
    let big = 0;
    for (let a = 0; a < dim; a++) if (Math.abs(basis[c * dim + a]!) > Math.abs(big)) big = basis[c * dim + a]!;
    if (big < 0) for (let a = 0; a < dim; a++) basis[c * dim + a] = -basis[c * dim + a]!;
  }
  return { k, dim, mean, basis, std };
}

/** rows (n x dim) -> whitened components (n x k). */
export function pcaEncode(pca: PcaModel, rows: Float32Array, n: number): Float32Array {
  const { k, dim, mean, basis, std } = pca;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (rows[i * dim + d]! - mean[d]!) * basis[c * dim + d]!;
      out[i * k + c] = s / std[c]!;
    }
  }
  return out;
}

/** Whitened components (n x k) -> rows (n x dim). */
export function pcaDecode(pca: PcaModel, z: Float32Array, n: number): Float32Array {
  const { k, dim, mean, basis, std } = pca;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) out[i * dim + d] = mean[d]!;
    for (let c = 0; c < k; c++) {
      const w = z[i * k + c]! * std[c]!;
      for (let d = 0; d < dim; d++) out[i * dim + d]! += w * basis[c * dim + d]!;
    }
  }
  return out;
}
