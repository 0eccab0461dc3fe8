import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FeatureStatistics, MnistExtractor, readStats, writeStats } from '@flow/fid';
import { ndarray, readNpz, toFloat64, writeNpy, writeNpz } from '@flow/io';
import { fitPca, pcaEncode, type PcaModel } from './mnist-pca';
import { loadMnistDigits } from '@flow/data';

/**
 * MNIST as the demo trains it: the `mnist` package's 10,000 digits (class-interleaved, [-1, 1]) projected on
 * their top `k` principal components, whitened (see mnist-pca.ts). Writes the latents (`.npy`, what the
 * trainer reads) and the PCA (`.npz`) once under `cacheDir`.
 */
export function mnistLatentFiles(cacheDir: string, k: number, limit?: number): { data: string; pca: string } {
  const { digits } = loadMnistDigits();
  const count = Math.min(limit ?? digits.length / 784, digits.length / 784);
  const data = path.join(cacheDir, `mnist-pca${k}-${count}.npy`);
  const pcaFile = path.join(cacheDir, `mnist-pca${k}-${count}.npz`);
  if (!existsSync(data) || !existsSync(pcaFile)) {
    mkdirSync(cacheDir, { recursive: true });
    const rows = digits.subarray(0, count * 784);
    // the covariance from (up to) 4000 digits is plenty for 64 components
    const fitCount = Math.min(count, 4000);
    const pca = fitPca(rows, fitCount, 784, k, 0);
    writeNpz(pcaFile, {
      mean: ndarray('float64', [784], pca.mean),
      basis: ndarray('float64', [k, 784], pca.basis),
      std: ndarray('float64', [k], pca.std),
    });
    writeNpy(data, ndarray('float32', [count, k], pcaEncode(pca, rows, count)));
  }
  return { data, pca: pcaFile };
}

export function readPca(file: string): PcaModel {
  const a = readNpz(file);
  const basis = toFloat64(a.basis!);
  const std = toFloat64(a.std!);
  return { k: std.length, dim: basis.length / std.length, mean: toFloat64(a.mean!), basis, std };
}

/** Model-space MNIST rows ([-1, 1]) -> the extractor's NHWC images in [0, 1], clipped. */
export function toUnitImages(rows: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count * 784);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, (rows[i]! + 1) / 2));
  return out;
}

let extractor: MnistExtractor | null = null;
export function mnistExtractor(): MnistExtractor {
  extractor ??= new MnistExtractor();
  return extractor;
}

/** Extractor features of model-space MNIST rows, in chunks. */
export async function mnistFeatures(rows: Float32Array, count: number): Promise<Float32Array> {
  const ex = mnistExtractor();
  const out = new Float32Array(count * ex.dim);
  const chunk = 500;
  for (let s = 0; s < count; s += chunk) {
    const n = Math.min(chunk, count - s);
    const images = toUnitImages(rows.subarray(s * 784, (s + n) * 784), n);
    out.set(await ex.extract({ data: images, count: n, height: 28, width: 28, channels: 1 }), s * ex.dim);
  }
  return out;
}

/** FID reference: the built-in extractor's statistics of the training digits (pytorch-fid `.npz`), cached. */
export async function mnistReferenceStats(cacheDir: string, limit?: number): Promise<{ file: string; mu: Float64Array; sigma: Float64Array }> {
  const { digits } = loadMnistDigits();
  const count = Math.min(limit ?? digits.length / 784, digits.length / 784);
  const file = path.join(cacheDir, `mnist-stats-${count}.npz`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const features = await mnistFeatures(digits.subarray(0, count * 784), count);
    const stats = new FeatureStatistics(mnistExtractor().dim).add(features).stats();
    writeStats(file, stats);
  }
  const s = readStats(file);
  return { file, mu: Float64Array.from(s.mu), sigma: Float64Array.from(s.sigma) };
}
