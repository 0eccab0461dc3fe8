import type { Rng } from '@flow/random';
import { MatchingInputError } from '../errors';
import { solveAssignment } from '../lap/solve-assignment';
import type { EntropicPlan } from './entropic-plan';

/**
 * How a square plan becomes a one-to-one pairing (every data row and every noise used exactly once):
 * - `sample` (the default of `entropicMatch`, the couplings and `flow match`): a permutation drawn from the plan
 *   (below). Its pairs follow the plan: their mean cost is the plan's expected cost plus a little (the last
 *   rows choose among fewer columns), so reg, regM and mass change the pairs as they change the plan.
 * - `assignment`: the permutation carrying the most plan mass, max sum_i P[i, s(i)], by the exact
 *   assignment solver on Pmax - P. Deterministic. Rounding on -log P instead would be pointless: log P_ij is
 *   (f_i + g_j - C_ij) / reg, so every permutation's sum of -log P is sum C / reg plus a constant and the
 *   result is the exact OT assignment whatever reg. Entries that underflowed (rows the plan gives no mass,
 *   e.g. what partial transport leaves out) tie; the ties are broken toward the cheaper pair by adding
 *   1e-12 x the normalised cost, far below any plan mass that counts. In practice this is (nearly) the exact OT
 *   assignment at every reg: P_ij falls steeply with C_ij, so the permutation with the most mass avoids the
 *   expensive pairs as OT does, and the entropic smoothing is lost.
 * - `sample`: a random permutation drawn from the plan without replacement: rows in a seeded random order,
 *   each takes a still-free column with probability proportional to its plan entry (in the log domain, so
 *   underflowed rows still draw by their relative weights).
 */
export type PlanPairing = 'assignment' | 'sample';

export const PLAN_PAIRINGS: readonly PlanPairing[] = ['sample', 'assignment'];

/** log P_ij from the plan's scalings (exact where P_ij underflows). */
function logEntry(p: EntropicPlan, cost: ArrayLike<number>, i: number, j: number): number {
  return p.rowLog[i]! + p.colLog[j]! - cost[i * p.m + j]! / p.reg;
}

/** Rounds a square plan to a permutation: rowToCol[i] = the column paired with row i. `rng` is needed for `sample`. */
export function planToPermutation(p: EntropicPlan, cost: ArrayLike<number>, pairing: PlanPairing = 'sample', rng?: Rng): Int32Array {
  const n = p.n;
  if (p.m !== n) throw new MatchingInputError(`planToPermutation: a one-to-one pairing needs a square plan, got ${p.n} x ${p.m}`);
  if (cost.length !== n * n) throw new MatchingInputError(`planToPermutation: cost: expected ${n * n} values, got ${cost.length}`);
  if (pairing === 'assignment') {
    let pmax = 0;
    let cmin = Infinity;
    let cmax = -Infinity;
    for (let k = 0; k < n * n; k++) {
      if (p.plan[k]! > pmax) pmax = p.plan[k]!;
      if (cost[k]! < cmin) cmin = cost[k]!;
      if (cost[k]! > cmax) cmax = cost[k]!;
    }
    const cs = cmax > cmin ? 1e-12 / (cmax - cmin) : 0;
    const w = new Float64Array(n * n);
    for (let k = 0; k < n * n; k++) w[k] = (pmax > 0 ? (pmax - p.plan[k]!) / pmax : 0) + (cost[k]! - cmin) * cs;
    return solveAssignment(w, n).rowToCol;
  }
  if (pairing === 'sample') {
    if (!rng) throw new MatchingInputError("planToPermutation: pairing 'sample' needs an rng");
    const order = rng.permutation(n);
    const used = new Uint8Array(n);
    const out = new Int32Array(n);
    const logits = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const i = order[r]!;
      let mx = -Infinity;
      for (let j = 0; j < n; j++) {
        logits[j] = used[j] ? -Infinity : logEntry(p, cost, i, j);
        if (logits[j]! > mx) mx = logits[j]!;
      }
      let total = 0;
      for (let j = 0; j < n; j++) {
        logits[j] = used[j] ? 0 : Math.exp(logits[j]! - mx);
        total += logits[j]!;
      }
      let u = rng.uniform() * total;
      let pick = -1;
      for (let j = 0; j < n; j++) {
        if (used[j]) continue;
        pick = j;
        u -= logits[j]!;
        if (u < 0) break;
      }
      used[pick] = 1;
      out[i] = pick;
    }
    return out;
  }
  throw new MatchingInputError(`planToPermutation: pairing must be ${PLAN_PAIRINGS.join(' or ')}, got '${String(pairing)}'`);
}
