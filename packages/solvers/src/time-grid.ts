import { SolverInputError } from './solver-input-error';

/**
 * How fixed-step solvers place their steps on [0, 1].
 * - `uniform`: t_i = i / K.
 * - `polynomial`: t_i = 1 - (1 - i / K)^rho; rho > 1 shortens the steps toward the data end (t = 1).
 * - `edm`: EDM's rho-spaced noise levels (Karras et al. 2022) mapped to flow time through sigma = (1 - t) / t,
 *   i.e. t = 1 / (1 + sigma); the first point is pinned to t = 0 and the last to t = 1.
 * - an explicit array of increasing times from 0 to 1.
 */
export type TimeGridSpec =
  | 'uniform'
  | { kind: 'uniform' }
  | { kind: 'polynomial'; rho?: number }
  | { kind: 'edm'; sigmaMin?: number; sigmaMax?: number; rho?: number }
  | readonly number[];

/** Builds K+1 increasing times from 0 to 1 (K steps). */
export function timeGrid(steps: number, spec: TimeGridSpec = 'uniform'): number[] {
  if (Array.isArray(spec)) return validateGrid(spec as readonly number[]);
  if (!Number.isInteger(steps) || steps < 1) throw new SolverInputError(`time grid: steps must be a positive integer, got ${steps}`);
  const kind = typeof spec === 'string' ? spec : (spec as { kind: string }).kind;
  const out = new Array<number>(steps + 1);
  if (kind === 'uniform') {
    for (let i = 0; i <= steps; i++) out[i] = i / steps;
  } else if (kind === 'polynomial') {
    const rho = (spec as { rho?: number }).rho ?? 2;
    if (!(rho > 0)) throw new SolverInputError(`time grid: polynomial rho must be > 0, got ${rho}`);
    for (let i = 0; i <= steps; i++) out[i] = 1 - Math.pow(1 - i / steps, rho);
  } else if (kind === 'edm') {
    const e = spec as { sigmaMin?: number; sigmaMax?: number; rho?: number };
    const sMin = e.sigmaMin ?? 0.002;
    const sMax = e.sigmaMax ?? 80;
    const rho = e.rho ?? 7;
    if (!(sMin > 0 && sMax > sMin && rho > 0)) throw new SolverInputError('time grid: edm needs 0 < sigmaMin < sigmaMax and rho > 0');
    const a = Math.pow(sMax, 1 / rho);
    const b = Math.pow(sMin, 1 / rho);
    for (let i = 0; i <= steps; i++) {
      const sigma = Math.pow(a + (i / steps) * (b - a), rho);
      out[i] = 1 / (1 + sigma);
    }
  } else {
    throw new SolverInputError(`time grid: unknown kind '${kind}' (expected uniform, polynomial, edm or an array)`);
  }
  out[0] = 0;
  out[steps] = 1;
  return out;
}

/** Checks a user grid: at least two finite, strictly increasing times in [0, 1]. */
export function validateGrid(grid: readonly number[]): number[] {
  if (grid.length < 2) throw new SolverInputError(`time grid: needs at least 2 times, got ${grid.length}`);
  for (let i = 0; i < grid.length; i++) {
    const t = grid[i];
    if (!Number.isFinite(t) || t < 0 || t > 1) throw new SolverInputError(`time grid: times must be finite and in [0, 1], got ${t} at index ${i}`);
    if (i > 0 && !(t > grid[i - 1])) throw new SolverInputError(`time grid: times must be strictly increasing (index ${i}: ${grid[i - 1]} then ${t})`);
  }
  return grid.slice();
}
