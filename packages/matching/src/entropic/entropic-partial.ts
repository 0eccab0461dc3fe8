import { MatchingInputError } from '../errors';
import { entropicSetup, finishPlan, type EntropicOptions, type EntropicPlan } from './entropic-plan';
import { KernelCache } from './kernel-cache';
import { logSumExp } from './log-sum-exp';

/**
 * Entropic partial transport: move only `mass` (<= min(sum a, sum b)) at least entropic cost,
 * min <P, C> - reg H(P) subject to P 1 <= a, P^T 1 <= b, sum P = mass (Benamou et al. 2015, the problem of
 * POT's `entropic_partial_wasserstein`). Dykstra's iterated Bregman projections onto the three constraint
 * sets. Each projection only rescales rows, columns or the whole plan, so the plan stays
 * exp(-C / reg + A_i + B_j + G) and the Dykstra correction terms reduce to the previous A, B, G: the
 * iteration is POT's, kept as three log-scaling vectors instead of four n x m matrices. Stops when
 * max|dA| + max|dB| + |dG| over one iteration (a bound on the relative change of every plan entry) is below `tol`.
 */
export function entropicPartial(cost: ArrayLike<number>, n: number, m: number, reg: number, mass: number, opts: EntropicOptions = {}): EntropicPlan {
  const s = entropicSetup('entropicPartial', cost, n, m, reg, opts);
  const most = Math.min(s.sumA, s.sumB);
  if (!(mass > 0) || mass > most * (1 + 1e-12)) {
    throw new MatchingInputError(`entropicPartial: mass must be in (0, min(sum a, sum b)] = (0, ${most}], got ${mass}`);
  }
  const logMass = Math.log(mass);
  const A = new Float64Array(n);
  const B = new Float64Array(m);
  const t = new Float64Array(Math.max(n, m));
  const colL = new Float64Array(m);
  const kc = new KernelCache(cost, n, m, reg);
  // The start, K = exp(-C / reg) scaled to total mass.
  kc.colLse(A, colL);
  let G = logMass - logSumExp(colL);
  let error = Infinity;
  let it = 0;
  let converged = false;
  while (it < s.maxIter) {
    // Rows: scale down those carrying more than a_i (the earlier row scaling is undone first).
    kc.rowLse(B, t);
    let dA = 0;
    for (let i = 0; i < n; i++) {
      const v = Math.min(s.logA[i]! - G - t[i]!, 0);
      dA = Math.max(dA, Math.abs(v - A[i]!));
      A[i] = v;
    }
    // Columns, likewise.
    kc.colLse(A, colL);
    let dB = 0;
    for (let j = 0; j < m; j++) {
      const v = Math.min(s.logB[j]! - G - colL[j]!, 0);
      dB = Math.max(dB, Math.abs(v - B[j]!));
      B[j] = v;
    }
    // Total mass: sum_ij exp(-C/reg + A_i + B_j) = sum_j exp(B_j + colL_j).
    for (let j = 0; j < m; j++) t[j] = B[j]! + colL[j]!;
    const gNew = logMass - logSumExp(t.subarray(0, m));
    const dG = Math.abs(gNew - G);
    G = gNew;
    it++;
    error = dA + dB + dG;
    if (error < s.tol) {
      converged = true;
      break;
    }
  }
  const rowLog = new Float64Array(n);
  for (let i = 0; i < n; i++) rowLog[i] = A[i]! + G;
  return finishPlan(cost, n, m, reg, rowLog, B, { iterations: it, error, converged });
}
