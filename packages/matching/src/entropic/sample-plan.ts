import type { Rng } from '@flow/random';
import { MatchingInputError } from '../errors';

export interface PlanDraws {
  /** Drawn cells: pair k is (rows[k], cols[k]). */
  rows: Int32Array;
  cols: Int32Array;
  /** How many distinct rows / columns were drawn: the rest were dropped, and count minus these were duplicates. */
  distinctRows: number;
  distinctCols: number;
}

/**
 * Draws `count` cells of the plan independently, with replacement, with probability P_ij / sum P (what
 * torchcfm's `sample_plan` does). An explicit opt-in: rows and columns are duplicated or dropped, and the
 * result says how many were distinct.
 */
export function samplePlanWithReplacement(plan: ArrayLike<number>, n: number, m: number, count: number, rng: Rng): PlanDraws {
  if (plan.length !== n * m) throw new MatchingInputError(`samplePlanWithReplacement: plan: expected ${n} x ${m} values, got ${plan.length}`);
  if (!Number.isInteger(count) || count < 1) throw new MatchingInputError(`samplePlanWithReplacement: count must be a positive integer, got ${count}`);
  const cum = new Float64Array(n * m);
  let s = 0;
  for (let k = 0; k < n * m; k++) {
    const v = plan[k]!;
    if (!(v >= 0) || !Number.isFinite(v)) throw new MatchingInputError(`samplePlanWithReplacement: plan entry (${Math.floor(k / m)}, ${k % m}) must be finite and >= 0, got ${v}`);
    s += v;
    cum[k] = s;
  }
  if (!(s > 0)) throw new MatchingInputError('samplePlanWithReplacement: the plan has no mass');
  const rows = new Int32Array(count);
  const cols = new Int32Array(count);
  const seenR = new Uint8Array(n);
  const seenC = new Uint8Array(m);
  for (let c = 0; c < count; c++) {
    const u = rng.uniform() * s;
    let lo = 0;
    let hi = n * m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    rows[c] = Math.floor(lo / m);
    cols[c] = lo % m;
    seenR[rows[c]!] = 1;
    seenC[cols[c]!] = 1;
  }
  let distinctRows = 0;
  let distinctCols = 0;
  for (let i = 0; i < n; i++) distinctRows += seenR[i]!;
  for (let j = 0; j < m; j++) distinctCols += seenC[j]!;
  return { rows, cols, distinctRows, distinctCols };
}
