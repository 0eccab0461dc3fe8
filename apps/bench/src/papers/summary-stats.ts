/** Mean, sample standard deviation, min and max of a few numbers (NaN for an empty list; std 0 for one). */
export interface Spread {
  n: number;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, std: NaN, min: NaN, max: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * First training step at which a FID curve reaches `target`, linearly interpolated between measured steps;
 * `null` when it never does. A curve already below target at its first point answers that point.
 */
export function stepsToTarget(steps: readonly number[], fids: readonly number[], target: number): number | null {
  for (let i = 0; i < steps.length; i++) {
    if (fids[i]! <= target) {
      if (i === 0) return steps[0]!;
      const [s0, s1, f0, f1] = [steps[i - 1]!, steps[i]!, fids[i - 1]!, fids[i]!];
      return s0 + ((s1 - s0) * (f0 - target)) / (f0 - f1);
    }
  }
  return null;
}

/** `mean ± std (min-max, n)` with `digits` decimals. */
export function formatSpread(s: Spread, digits = 2): string {
  if (s.n === 0) return '-';
  if (s.n === 1) return s.mean.toFixed(digits);
  return `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;
}
