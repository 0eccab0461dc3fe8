import { MatchingInputError } from '../errors';
import { entropicPartial } from './entropic-partial';
import type { EntropicOptions, EntropicPlan } from './entropic-plan';
import { sinkhorn } from './sinkhorn';
import { sinkhornUnbalanced } from './sinkhorn-unbalanced';

export type EntropicSolver = 'sinkhorn' | 'unbalanced' | 'partial';
export const ENTROPIC_SOLVERS: readonly EntropicSolver[] = ['sinkhorn', 'unbalanced', 'partial'];

/** The entropic problem to solve: reg always, regM for `unbalanced`, mass for `partial`. */
export interface EntropicProblem extends EntropicOptions {
  solver: EntropicSolver;
  reg: number;
  /** `unbalanced`: weight of the KL terms on the marginals (default 1). */
  regM?: number;
  /** `partial`: the mass to move, in (0, min(sum a, sum b)] (default 0.9 x that). */
  mass?: number;
}

/** Runs the named entropic solver on a dense n x m cost. */
export function solveEntropic(cost: ArrayLike<number>, n: number, m: number, p: EntropicProblem): EntropicPlan {
  const opts: EntropicOptions = { a: p.a, b: p.b, maxIter: p.maxIter, tol: p.tol };
  switch (p.solver) {
    case 'sinkhorn':
      return sinkhorn(cost, n, m, p.reg, opts);
    case 'unbalanced':
      return sinkhornUnbalanced(cost, n, m, p.reg, p.regM ?? 1, opts);
    case 'partial': {
      const total = (w: ArrayLike<number> | undefined) => (w ? Array.from(w).reduce((s, v) => s + v, 0) : 1);
      return entropicPartial(cost, n, m, p.reg, p.mass ?? 0.9 * Math.min(total(p.a), total(p.b)), opts);
    }
    default:
      throw new MatchingInputError(`entropic solver must be one of ${ENTROPIC_SOLVERS.join(', ')}, got '${String(p.solver)}'`);
  }
}
