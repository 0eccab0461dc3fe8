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

/** Cyclic Jacobi eigen-decomposition of a small symmetric matrix (n x n, row-major). Returns values and column eigenvectors. */
function jacobiEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < n; r++) {
          const mrp = m[r * n + p]!;
          const mrq = m[r * n + q]!;
          m[r * n + p] = c * mrp - s * mrq;
          m[r * n + q] = s * mrp + c * mrq;
        }
        for (let r = 0; r < n; r++) {
          const mpr = m[p * n + r]!;
          const mqr = m[q * n + r]!;
          m[p * n + r] = c * mpr - s * mqr;
          m[q * n + r] = s * mpr + c * mqr;
        }
        for (let r = 0; r < n; r++) {
          const vrp = v[r * n + p]!;
          const vrq = v[r * n + q]!;
          v[r * n + p] = c * vrp - s * vrq;
          v[r * n + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i]!;
  return { values, vectors: v };
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
  const { values, vectors } = jacobiEigen(small, p);
  const order = Array.from({ length: p }, (_, i) => i).sort((a, b) => values[b]! - values[a]!);
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
