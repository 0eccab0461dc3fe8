import { ArrayFileError, ndarray, readArrayFile, readNpz, toFloat64, writeNpz, type NdArray } from '@flow/io';
import { FidInputError } from './errors';
import { featureStatistics } from './feature-statistics';

export interface StatsWithDim {
  mu: Float64Array;
  sigma: Float64Array;
  dim: number;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ArrayFileError) throw new FidInputError(error.message);
    throw error;
  }
}

/** Reads pytorch-fid statistics (`.npz` with `mu` (d,) and `sigma` (d, d)). */
export function readStats(path: string): StatsWithDim {
  const z = wrap(() => readNpz(path));
  const mu = z.mu;
  const sigma = z.sigma;
  if (!mu || !sigma) throw new FidInputError(`${path}: expected arrays 'mu' and 'sigma' (pytorch-fid stats), found ${Object.keys(z).join(', ') || 'none'}`);
  if (mu.shape.length !== 1) throw new FidInputError(`${path}: 'mu' must be 1-D, got shape (${mu.shape.join(', ')})`);
  const d = mu.shape[0];
  if (sigma.shape.length !== 2 || sigma.shape[0] !== d || sigma.shape[1] !== d) {
    throw new FidInputError(`${path}: 'sigma' must have shape (${d}, ${d}), got (${sigma.shape.join(', ')})`);
  }
  return { mu: toFloat64(mu), sigma: toFloat64(sigma), dim: d };
}

/** Writes pytorch-fid statistics: float64 `mu` and `sigma` in an uncompressed `.npz` (atomically). */
export function writeStats(path: string, stats: { mu: ArrayLike<number>; sigma: ArrayLike<number> }): void {
  const d = stats.mu.length;
  if (stats.sigma.length !== d * d) throw new FidInputError(`writeStats: sigma has ${stats.sigma.length} entries, expected ${d * d}`);
  writeNpz(path, {
    mu: ndarray('float64', [d], Float64Array.from(stats.mu)),
    sigma: ndarray('float64', [d, d], Float64Array.from(stats.sigma)),
  });
}

/** Reads a (n, d) feature array (`.npy`, or `.npz` holding one array). */
export function readFeatures(path: string): { data: Float64Array; rows: number; dim: number } {
  const a: NdArray = wrap(() => readArrayFile(path));
  if (a.shape.length !== 2) throw new FidInputError(`${path}: features must be 2-D (n, d), got shape (${a.shape.join(', ')})`);
  const [rows, dim] = a.shape;
  if (rows < 2) throw new FidInputError(`${path}: need at least 2 feature rows for a covariance, got ${rows}`);
  if (dim < 1) throw new FidInputError(`${path}: feature dimension is 0`);
  return { data: toFloat64(a), rows, dim };
}

/**
 * Loads statistics from either a stats `.npz` (keys `mu`, `sigma`) or a features `.npy`/`.npz` (n, d), the two
 * inputs `flow fid` accepts.
 */
export function loadStatsOrFeatures(path: string): StatsWithDim & { source: 'stats' | 'features'; count?: number } {
  if (path.toLowerCase().endsWith('.npz')) {
    const z = wrap(() => readNpz(path));
    if (z.mu && z.sigma) return { ...readStats(path), source: 'stats' };
  }
  const f = readFeatures(path);
  return { ...featureStatistics(f.data, f.dim, path), dim: f.dim, source: 'features', count: f.rows };
}
