import { Rng } from '@flow/random';
import type { GaussianMixtureSpec } from './gaussian-mixture-flow';
import { SolverInputError } from './solver-input-error';

export interface RandomMixtureOptions {
  dim: number;
  components: number;
  /** Distance of every mean from the origin (default 4). */
  radius?: number;
  /** Component standard deviations are drawn uniformly in [std / 2, std] (default 0.3). */
  std?: number;
  seed?: number;
}

/**
 * A seeded random isotropic Gaussian mixture for tests and benchmarks: means at distance `radius` in random
 * directions, random weights in [0.5, 1.5] (normalised) and stds in [std / 2, std]. Small `std` against the
 * distance between means gives well-separated modes; std near or above it, overlapping ones.
 */
export function randomMixtureSpec(opts: RandomMixtureOptions): GaussianMixtureSpec {
  const { dim, components } = opts;
  const radius = opts.radius ?? 4;
  const std = opts.std ?? 0.3;
  if (!Number.isInteger(dim) || dim < 1) throw new SolverInputError(`randomMixtureSpec: dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(components) || components < 1) throw new SolverInputError(`randomMixtureSpec: components must be a positive integer, got ${components}`);
  if (!(radius >= 0) || !(std > 0)) throw new SolverInputError(`randomMixtureSpec: radius must be >= 0 and std > 0, got ${radius}, ${std}`);
  const rng = new Rng(opts.seed ?? 0);
  const means = Array.from({ length: components }, () => {
    const u = Array.from({ length: dim }, () => rng.normal());
    const norm = Math.hypot(...u) || 1;
    return u.map((q) => (radius * q) / norm);
  });
  const raw = Array.from({ length: components }, () => 0.5 + rng.uniform());
  const total = raw.reduce((a, b) => a + b, 0);
  return { weights: raw.map((w) => w / total), means, stds: Array.from({ length: components }, () => std * (0.5 + 0.5 * rng.uniform())) };
}
