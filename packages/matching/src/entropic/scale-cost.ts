import { MatchingInputError } from '../errors';

/** What the squared distances are divided by before the solver sees them (so reg is relative to it). */
export type CostScale = 'mean' | 'max' | 'none';
export const COST_SCALES: readonly CostScale[] = ['mean', 'max', 'none'];

/** A float64 copy of `cost` divided by its mean or max (`none`: divided by 1), and the divisor. */
export function scaleCost(cost: ArrayLike<number>, mode: CostScale): { cost: Float64Array; scale: number } {
  if (!COST_SCALES.includes(mode)) throw new MatchingInputError(`costScale must be one of ${COST_SCALES.join(', ')}, got '${String(mode)}'`);
  const out = Float64Array.from(cost);
  let scale = 1;
  if (mode !== 'none') {
    let s = 0;
    for (let k = 0; k < out.length; k++) s = mode === 'mean' ? s + out[k]! : Math.max(s, out[k]!);
    scale = mode === 'mean' ? s / out.length : s;
    if (!(scale > 0)) scale = 1; // all rows identical: every pairing costs 0
    for (let k = 0; k < out.length; k++) out[k] = out[k]! / scale;
  }
  return { cost: out, scale };
}
