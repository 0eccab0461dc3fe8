import type { CostBackendName, CostPrecision } from './cost/index';
import { MatchingInputError } from './errors';
import { greedyMatchStream, greedyStreamBytes } from './greedy-stream';
import { solveAssignment, type AssignmentStats } from './lap/solve-assignment';
import { pairCost, rowSqDist } from './pair-cost';
import { checkFits } from './scope-limit';
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
  /** Rows whose nearest unused noise rows are found in one pass in greedy mode (default 256; memory: block x 16 entries). */
  greedyBlock?: number;
  /** How error messages name the two arrays (default ['data', 'noise']), e.g. their file names. */
  names?: [string, string];
  /** Memory budget in bytes for the cost matrix (exact) or the packed noise (greedy); default: what the machine has available. */
  memoryLimitBytes?: number;
}

export interface MatchResult {
  /** assignment[i] = index of the noise row paired with data row i. */
  assignment: Int32Array;
  n: number;
  dim: number;
  solver: MatchSolver;
  /** True when the pairing minimises the total squared distance (for the chosen cost precision). */
  optimal: boolean;
  /** The cost backend that built the exact solver's matrix; `stream` for greedy (distances computed as needed). */
  costBackend: string;
  /** Precision of the distances the solver compared (`float64` for greedy). */
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
  checkPair(x, z, n, dim, opts.names);
  const precision: CostPrecision = opts.precision ?? 'float64';
  let assignment: Int32Array;
  let secondsCost = 0;
  let secondsAssign = 0;
  let backend = 'none';
  let stats: AssignmentStats | undefined;
  if (solver === 'exact') {
    const bpe = precision === 'float64' ? 8 : 4;
    // The n x n cost matrix, plus the solver's O(n) float64 duals and work arrays.
    checkFits({
      label: `exact matching at d = ${dim}`,
      field: 'n',
      value: n,
      adjustable: false,
      bytes: (v) => bpe * v * v + 64 * v,
      elements: (v) => v * v,
      remedies: ["use solver 'greedy' (no n x n matrix)", ...(precision === 'float64' ? ["use precision 'float32' (half the memory)"] : [])],
      memoryLimitBytes: opts.memoryLimitBytes,
    });
    const c = await pairCost(x, z, n, n, dim, { backend: opts.costBackend, precision, memoryLimitBytes: opts.memoryLimitBytes });
    secondsCost = c.seconds;
    backend = c.backend;
    const r = solveAssignment(c.cost, n);
    assignment = r.rowToCol;
    stats = r.stats;
    secondsAssign = r.stats.seconds;
  } else {
    const streamOpts = { blockRows: opts.greedyBlock };
    checkFits({
      label: `greedy matching at d = ${dim}`,
      field: 'n',
      value: n,
      adjustable: false,
      bytes: (v) => greedyStreamBytes(v, v, dim, streamOpts),
      elements: (v) => v * dim,
      memoryLimitBytes: opts.memoryLimitBytes,
    });
    // Distances are computed and consumed block by block in float64 (no n x n matrix, no cost backend).
    const t1 = performance.now();
    assignment = greedyMatchStream(x, z, n, n, dim, streamOpts);
    secondsAssign = (performance.now() - t1) / 1000;
    backend = 'stream';
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
    precision: solver === 'greedy' ? 'float64' : precision,
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
