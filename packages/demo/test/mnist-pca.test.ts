import { Rng } from '@flow/random';
import { fitPca, pcaDecode, pcaEncode } from '../src/mnist-pca';

describe('fitPca', () => {
  // 20-d data with four strong directions: mean + sum_c scale_c * g_c * direction_c + small isotropic noise
  const n = 300;
  const dim = 20;
  const k = 4;
  const rng = new Rng(5);
  const directions = rng.fillNormal(new Float64Array(k * dim));
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < c; d++) {
      let dot = 0;
      for (let a = 0; a < dim; a++) dot += directions[c * dim + a]! * directions[d * dim + a]!;
      for (let a = 0; a < dim; a++) directions[c * dim + a]! -= dot * directions[d * dim + a]!;
    }
    const norm = Math.hypot(...directions.subarray(c * dim, (c + 1) * dim));
    for (let a = 0; a < dim; a++) directions[c * dim + a]! /= norm;
  }
  const g = rng.fillNormal(new Float64Array(n * k));
  const noise = rng.fillNormal(new Float64Array(n * dim));
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let a = 0; a < dim; a++) {
    let v = 0.25 + 0.1 * noise[i * dim + a]!;
    for (let c = 0; c < k; c++) v += [4, 3, 2, 1][c]! * g[i * k + c]! * directions[c * dim + a]!;
    rows[i * dim + a] = v;
  }
  const pca = fitPca(rows, n, dim, k, 0);

  it('finds the covariance eigenvectors, by decreasing variance, each with its largest weight positive', () => {
    const cov = new Float64Array(dim * dim);
    for (let i = 0; i < n; i++) for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b]! += ((rows[i * dim + a]! - pca.mean[a]!) * (rows[i * dim + b]! - pca.mean[b]!)) / (n - 1);
    for (let c = 0; c < k; c++) {
      const b = pca.basis.subarray(c * dim, (c + 1) * dim);
      const lambda = pca.std[c]! ** 2;
      for (let a = 0; a < dim; a++) {
        let cb = 0;
        for (let j = 0; j < dim; j++) cb += cov[a * dim + j]! * b[j]!;
        expect(cb).toBeCloseTo(lambda * b[a]!, 8);
      }
      expect(Math.hypot(...b)).toBeCloseTo(1, 12);
      const big = b.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
      expect(big).toBeGreaterThan(0);
      if (c > 0) expect(pca.std[c]!).toBeLessThan(pca.std[c - 1]!);
    }
  });

  it('whitens, and encodes decoded latents back to themselves', () => {
    const z = pcaEncode(pca, rows, n);
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += z[i * k + c]! ** 2;
      expect(s / (n - 1)).toBeCloseTo(1, 4);
    }
    const back = pcaEncode(pca, pcaDecode(pca, z, n), n);
    for (let i = 0; i < z.length; i++) expect(back[i]).toBeCloseTo(z[i]!, 4);
  });
});
