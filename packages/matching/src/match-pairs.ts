import type { CostBackendName, CostPrecision } from './cost/index';
import { MatchingInputError } from './errors';
import { greedyAssign } from './greedy-match';
import { solveAssignment, type AssignmentStats } from './lap/solve-assignment';
import { pairCost, rowSqDist } from './pair-cost';
import { checkScopeFits } from './scope-limit';
import { checkPair, type RealArray } from './validate';

export type MatchSolver = 'exact' | 'greedy';

export interface MatchOptions {
  /** `exact` (default): optimal assignment. `greedy`: DANSM's rule, each data row in order takes the nearest unused noise. */
  solver?: MatchSolver;
  costBackend?: CostBackendName;
  /**
   * Precision of the cost matrix the exact solver optimises (duals are float64 either way). `float64` (default):
   * optimal for the float64 squared distances. `float32`: half the memory and faster; optimal for the float32
   * matrix, whose entries differ from the float64 distances by rounding only.
   */
  precision?: CostPrecision;
  /** Rows per distance block in greedy mode (memory: block x n entries). Default 512. */
  greedyBlock?: number;
}

export interface MatchResult {
  /** assignment[i] = index of the noise row paired with data row i. */
  assignment: Int32Array;
  n: number;
  dim: number;
  solver: MatchSolver;
  /** True when the pairing minimises the total squared distance (for the chosen cost precision). */
  optimal: boolean;
  costBackend: string;
  precision: CostPrecision;
  /** Sum over i of |x_i - z_P[i]|^2, in float64 from the inputs. */
  totalCost: number;
  /** Same for P[i] = i. */
  identityCost: number;
  /** totalCost / n and identityCost / n: mean squared path length after / before matching. */
  meanSqPathAfter: number;
  meanSqPathBefore: number;
  secondsCost: number;
  secondsAssign: number;
  secondsTotal: number;
  /** Solver statistics (exact mode). */
  stats?: AssignmentStats;
}

/** Pairs data rows with noise rows (both n x dim, row-major) by the exact or the greedy rule. */
export async function matchPairs(x: RealArray, z: RealArray, n: number, dim: number, opts: MatchOptions = {}): Promise<MatchResult> {
  const t0 = performance.now();
  const solver = opts.solver ?? 'exact';
  if (solver !== 'exact' && solver !== 'greedy') throw new MatchingInputError(`solver must be 'exact' or 'greedy', got '${String(solver)}'`);
  checkPair(x, z, n, dim);
  const precision: CostPrecision = opts.precision ?? 'float64';
  let assignment: Int32Array;
  let secondsCost = 0;
  let secondsAssign = 0;
  let backend = 'none';
  let stats: AssignmentStats | undefined;
  if (solver === 'exact') {
    checkScopeFits(n, precision === 'float64' ? 8 : 4, dim);
    const c = await pairCost(x, z, n, n, dim, { backend: opts.costBackend, precision });
    secondsCost = c.seconds;
    backend = c.backend;
    const r = solveAssignment(c.cost, n);
    assignment = r.rowToCol;
    stats = r.stats;
    secondsAssign = r.stats.seconds;
  } else {
    const block = Math.max(1, Math.min(n, opts.greedyBlock ?? 512));
    const used = new Uint8Array(n);
    assignment = new Int32Array(n);
    for (let b0 = 0; b0 < n; b0 += block) {
      const rows = Math.min(block, n - b0);
      const c = await pairCost(x.subarray(b0 * dim, (b0 + rows) * dim), z, rows, n, dim, { backend: opts.costBackend, precision });
      secondsCost += c.seconds;
      backend = c.backend;
      const t1 = performance.now();
      assignment.set(greedyAssign(c.cost, rows, n, used), b0);
      secondsAssign += (performance.now() - t1) / 1000;
    }
  }
  let totalCost = 0;
  let identityCost = 0;
  for (let i = 0; i < n; i++) {
    totalCost += rowSqDist(x, i, z, assignment[i]!, dim);
    identityCost += rowSqDist(x, i, z, i, dim);
  }
  return {
    assignment,
    n,
    dim,
    solver,
    optimal: solver === 'exact',
    costBackend: backend,
    precision,
    totalCost,
    identityCost,
    meanSqPathAfter: totalCost / n,
    meanSqPathBefore: identityCost / n,
    secondsCost,
    secondsAssign,
    secondsTotal: (performance.now() - t0) / 1000,
    stats,
  };
}
