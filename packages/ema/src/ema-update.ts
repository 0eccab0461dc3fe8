import { EmaInputError } from './errors';

/**
 * One EMA step in place: ema <- beta * ema + (1 - beta) * weights, element by element. Each element is computed
 * in float64 and rounded once to the EMA's precision, so repeated runs (and resumed runs) give identical bits.
 */
export function emaUpdate(ema: Float32Array | Float64Array, weights: ArrayLike<number>, beta: number): void {
  if (ema.length !== weights.length) {
    throw new EmaInputError(`EMA and weights differ in length (${ema.length} vs ${weights.length})`);
  }
  const a = 1 - beta;
  for (let i = 0; i < ema.length; i++) {
    const e = ema[i]!;
    ema[i] = e + a * (weights[i]! - e);
  }
}
