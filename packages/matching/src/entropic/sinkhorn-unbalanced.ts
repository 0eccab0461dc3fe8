import { MatchingInputError } from '../errors';
import { entropicSetup, finishPlan, type EntropicOptions, type EntropicPlan } from './entropic-plan';
import { KernelCache } from './kernel-cache';

/**
 * Unbalanced entropic transport, min <P, C> - reg H(P) + regM KL(P 1 | a) + regM KL(P^T 1 | b) (Chizat et al.),
 * the problem of POT's `sinkhorn_knopp_unbalanced`: the marginals are only pulled toward a and b, so mass
 * that would travel far (outliers) can be created or destroyed instead. Scaling iterations u = (a / K v)^phi,
 * v = (b / K^T u)^phi with phi = regM / (regM + reg), here in the log domain (stable at small reg). Stops when
 * the largest change of log u and log v in one iteration, max|d log u| + max|d log v|, is below `tol`.
 */
export function sinkhornUnbalanced(cost: ArrayLike<number>, n: number, m: number, reg: number, regM: number, opts: EntropicOptions = {}): EntropicPlan {
  const s = entropicSetup('sinkhornUnbalanced', cost, n, m, reg, opts);
  if (!(regM > 0)) throw new MatchingInputError(`sinkhornUnbalanced: regM must be a positive number (Infinity gives balanced Sinkhorn), got ${regM}`);
  const phi = regM === Infinity ? 1 : regM / (regM + reg);
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  const t = new Float64Array(Math.max(n, m));
  const kc = new KernelCache(cost, n, m, reg);
  let error = Infinity;
  let it = 0;
  let converged = false;
  while (it < s.maxIter) {
    kc.rowLse(g, t);
    let du = 0;
    for (let i = 0; i < n; i++) {
      const v = phi * (s.logA[i]! - t[i]!);
      du = Math.max(du, Math.abs(v - f[i]!));
      f[i] = v;
    }
    kc.colLse(f, t);
    let dv = 0;
    for (let j = 0; j < m; j++) {
      const v = phi * (s.logB[j]! - t[j]!);
      dv = Math.max(dv, Math.abs(v - g[j]!));
      g[j] = v;
    }
    it++;
    error = du + dv;
    if (error < s.tol) {
      converged = true;
      break;
    }
  }
  return finishPlan(cost, n, m, reg, f, g, { iterations: it, error, converged });
}
