import { ndarray, readNpz, toFloat64, writeNpz, ArrayFileError, type NdArray } from '@flow/io';
import { FidInputError } from './errors';
import { FeatureStatistics, type FeatureStatisticsState } from './feature-statistics';

/**
 * Writes mergeable statistics: pytorch-fid's `mu` and `sigma` (readers that know only those ignore the rest) plus
 * `count` (rows, a float64 scalar) and `scatter`, the sum of centred outer products (d, d), which is what merging
 * needs: merging adds scatters with the Chan-Golub-LeVeque correction, never averages covariances. Atomic.
 * `sigma` is NaN for a single row.
 */
export function writeStatsState(path: string, stats: FeatureStatistics): void {
  const state = stats.getState();
  const d = state.dim;
  // One row has no covariance: sigma is NaN there (a shard that small is still mergeable through its scatter).
  const mu = stats.mean();
  const sigma = state.count > 1 ? stats.covariance(1) : new Float64Array(d * d).fill(NaN);
  writeNpz(path, {
    mu: ndarray('float64', [d], mu),
    sigma: ndarray('float64', [d, d], sigma),
    count: ndarray('float64', [], new Float64Array([state.count])),
    scatter: ndarray('float64', [d, d], state.m2),
  });
}

function array(z: Record<string, NdArray>, key: string, shape: number[], path: string): Float64Array {
  const a = z[key];
  if (!a) {
    throw new FidInputError(`${path}: no '${key}' array: not mergeable statistics (found ${Object.keys(z).join(', ') || 'none'}; statistics written by writeStatsState, or flow fid --save-stats, carry count and scatter)`);
  }
  if (a.shape.length !== shape.length || a.shape.some((n, i) => n !== shape[i])) {
    throw new FidInputError(`${path}: '${key}' must have shape (${shape.join(', ')}), got (${a.shape.join(', ')})`);
  }
  return toFloat64(a);
}

/** Reads statistics written by {@link writeStatsState} as a mergeable state. */
export function readStatsState(path: string): FeatureStatisticsState {
  let z: Record<string, NdArray>;
  try {
    z = readNpz(path);
  } catch (error) {
    if (error instanceof ArrayFileError) throw new FidInputError(error.message);
    throw error;
  }
  const mu = z.mu;
  if (!mu || mu.shape.length !== 1) throw new FidInputError(`${path}: expected a 1-D array 'mu'`);
  const d = mu.shape[0];
  const count = array(z, 'count', [], path)[0];
  if (!Number.isInteger(count) || count < 1) throw new FidInputError(`${path}: 'count' must be a positive integer, got ${count}`);
  return { dim: d, count, mean: toFloat64(mu), m2: array(z, 'scatter', [d, d], path) };
}

/** Merges statistics files (in the order given, which fixes the float rounding) into one accumulator. */
export function mergeStatsFiles(paths: readonly string[]): FeatureStatistics {
  if (paths.length === 0) throw new FidInputError('mergeStatsFiles: no statistics files to merge');
  let merged: FeatureStatistics | undefined;
  for (const p of paths) {
    const state = readStatsState(p);
    if (merged && state.dim !== merged.dim) throw new FidInputError(`${p}: dimension ${state.dim} differs from ${paths[0]} (${merged.dim})`);
    merged = merged ? merged.merge(state) : FeatureStatistics.fromState(state);
  }
  return merged as FeatureStatistics;
}
