import type { Rng } from '@flow/random';
import { solveEntropic, type EntropicSolver } from './entropic-solve';
import { planToPermutation, type PlanPairing } from './round-plan';
import { scaleCost, type CostScale } from './scale-cost';

/** Settings of the `sinkhorn` / `unbalanced` / `partial` couplings (defaults as `entropicMatch`). */
export interface EntropicCouplingOptions {
  reg?: number;
  regM?: number;
  mass?: number;
  pairing?: PlanPairing;
  costScale?: CostScale;
  maxIter?: number;
  tol?: number;
}

/** One scope of an entropic coupling: scale the cost, solve the plan, round it to a permutation (rng: `sample` pairing). */
export function entropicScopeAssign(solver: EntropicSolver, cost: ArrayLike<number>, ms: number, opts: EntropicCouplingOptions, rng: Rng): Int32Array {
  const scaled = scaleCost(cost, opts.costScale ?? 'mean');
  const plan = solveEntropic(scaled.cost, ms, ms, { solver, reg: opts.reg ?? 0.05, regM: opts.regM, mass: opts.mass, maxIter: opts.maxIter, tol: opts.tol });
  const pairing = opts.pairing ?? 'sample';
  return planToPermutation(plan, scaled.cost, pairing, pairing === 'sample' ? rng : undefined);
}
