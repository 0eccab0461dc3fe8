import { MatchingInputError } from '../errors';
import { entropicSetup, finishPlan, type EntropicOptions, type EntropicPlan } from './entropic-plan';
import { KernelCache } from './kernel-cache';

/**
 * Entropic optimal transport, min <P, C> - reg H(P) subject to P 1 = a, P^T 1 = b, by Sinkhorn's iterations
 * in the log domain (potentials, log-sum-exp): stable at any reg, where the kernel exp(-C / reg) would
 * underflow. Stops when the column-marginal violation sum_j |(P^T 1)_j - b_j| (rows are exact after each
 * update) is below `tol` (default 1e-9), like POT's `sinkhorn_log` (which uses the L2 norm).
 */
export function sinkhorn(cost: ArrayLike<number>, n: number, m: number, reg: number, opts: EntropicOptions = {}): EntropicPlan {
  const s = entropicSetup('sinkhorn', cost, n, m, reg, opts);
  if (Math.abs(s.sumA - s.sumB) > 1e-9 * Math.max(s.sumA, s.sumB)) {
    throw new MatchingInputError(`sinkhorn: the weights a and b must have the same total (got ${s.sumA} and ${s.sumB}); use the unbalanced or partial solver otherwise`);
  }
  // f and g in log units: P_ij = exp(f_i + g_j - C_ij / reg). POT's order (columns, then rows) from f = g = 0,
  // so a run with tol = 0 and maxIter = N is the same N iterations as POT's with stopThr = 0.
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  const c = new Float64Array(m);
  const kc = new KernelCache(cost, n, m, reg);
  let error = Infinity;
  let it = 0;
  let converged = false;
  while (it < s.maxIter) {
    kc.colLse(f, c);
    if (it > 0) {
      // Column sums of the current plan (its rows are exact after the row update): the violation left.
      error = 0;
      for (let j = 0; j < m; j++) error += Math.abs(Math.exp(g[j]! + c[j]!) - Math.exp(s.logB[j]!));
      if (error < s.tol) {
        converged = true;
        break;
      }
    }
    for (let j = 0; j < m; j++) g[j] = s.logB[j]! - c[j]!;
    kc.rowLse(g, f);
    for (let i = 0; i < n; i++) f[i] = s.logA[i]! - f[i]!;
    it++;
  }
  return finishPlan(cost, n, m, reg, f, g, { iterations: it, error, converged });
}
