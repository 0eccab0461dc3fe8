import { Rng } from '@flow/random';
import type { CostBackendName } from '../cost/index';
import { pairCost, rowSqDist } from '../pair-cost';
import { checkScopeFits } from '../scope-limit';
import { checkPair, type RealArray } from '../validate';
import type { EntropicPlan } from './entropic-plan';
import { solveEntropic, type EntropicSolver } from './entropic-solve';
import { planToPermutation, type PlanPairing } from './round-plan';
import { scaleCost, type CostScale } from './scale-cost';

export interface EntropicMatchOptions {
  solver: EntropicSolver;
  /** Entropic regularisation, in units of the scaled cost (default 0.05). */
  reg?: number;
  regM?: number;
  mass?: number;
  /** Default `mean`: C / mean(C), so reg = 0.05 means 5% of a typical pair's cost at any dimension. */
  costScale?: CostScale;
  /** Default `sample`: a permutation drawn from the plan (see `PlanPairing`). */
  pairing?: PlanPairing;
  /** Seeds the `sample` pairing (default 0). */
  seed?: number;
  maxIter?: number;
  tol?: number;
  costBackend?: CostBackendName;
}

export interface EntropicMatchResult {
  /** assignment[i] = the noise row paired with data row i (a permutation). */
  assignment: Int32Array;
  /** The plan (on the scaled cost; the plan itself does not depend on the scale once reg is scaled with it). */
  plan: EntropicPlan;
  n: number;
  dim: number;
  solver: EntropicSolver;
  reg: number;
  regM?: number;
  mass?: number;
  costScale: CostScale;
  /** The divisor applied to the squared distances: reg in squared-distance units is reg x costScaleValue. */
  costScaleValue: number;
  pairing: PlanPairing;
  /** Share of the plan's mass on the chosen pairs, sum_i P[i, s(i)] / sum P. */
  pairedMass: number;
  /** Sum of |x_i - z_assignment[i]|^2 and of |x_i - z_i|^2 (float64). */
  totalCost: number;
  identityCost: number;
  meanSqPathBefore: number;
  meanSqPathAfter: number;
  costBackend: string;
  secondsCost: number;
  secondsPlan: number;
  secondsPairing: number;
  secondsTotal: number;
}

/** Pairs data rows with noise rows through an entropic (balanced, unbalanced or partial) plan, rounded to a permutation. */
export async function entropicMatch(x: RealArray, z: RealArray, n: number, dim: number, opts: EntropicMatchOptions): Promise<EntropicMatchResult> {
  const t0 = performance.now();
  checkPair(x, z, n, dim);
  const costScale = opts.costScale ?? 'mean';
  const pairing = opts.pairing ?? 'sample';
  checkScopeFits(n, 32, dim); // cost, cached kernel, plan and the rounding matrix, float64 each
  const c = await pairCost(x, z, n, n, dim, { backend: opts.costBackend, precision: 'float64' });
  const { cost, scale } = scaleCost(c.cost, costScale);
  const reg = opts.reg ?? 0.05;
  const t1 = performance.now();
  const plan = solveEntropic(cost, n, n, { solver: opts.solver, reg, regM: opts.regM, mass: opts.mass, maxIter: opts.maxIter, tol: opts.tol });
  const t2 = performance.now();
  const assignment = planToPermutation(plan, cost, pairing, pairing === 'sample' ? new Rng(opts.seed ?? 0) : undefined);
  const t3 = performance.now();
  let onPairs = 0;
  let totalCost = 0;
  let identityCost = 0;
  for (let i = 0; i < n; i++) {
    onPairs += plan.plan[i * n + assignment[i]!]!;
    totalCost += rowSqDist(x, i, z, assignment[i]!, dim);
    identityCost += rowSqDist(x, i, z, i, dim);
  }
  return {
    assignment,
    plan,
    n,
    dim,
    solver: opts.solver,
    reg,
    ...(opts.solver === 'unbalanced' ? { regM: opts.regM ?? 1 } : {}),
    ...(opts.solver === 'partial' ? { mass: opts.mass ?? 0.9 } : {}),
    costScale,
    costScaleValue: scale,
    pairing,
    pairedMass: plan.mass > 0 ? onPairs / plan.mass : 0,
    totalCost,
    identityCost,
    meanSqPathBefore: identityCost / n,
    meanSqPathAfter: totalCost / n,
    costBackend: c.backend,
    secondsCost: c.seconds,
    secondsPlan: (t2 - t1) / 1000,
    secondsPairing: (t3 - t2) / 1000,
    secondsTotal: (performance.now() - t0) / 1000,
  };
}
