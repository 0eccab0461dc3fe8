/**
 * The largest integer n in [0, upper] with need(n) <= budget, for a `need` that grows with n (bisection,
 * so any memory formula works). 0 when even n = 0 does not fit.
 */
export function largestFitting(need: (n: number) => number, budget: number, upper: number): number {
  if (need(upper) <= budget) return upper;
  let lo = 0;
  let hi = upper;
  if (need(0) > budget) return 0;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (need(mid) <= budget) lo = mid;
    else hi = mid;
  }
  return lo;
}
