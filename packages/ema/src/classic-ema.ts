import { EmaInputError } from './errors';

/**
 * Warm-up rules for a classic (constant-decay) EMA. Early in training a decay near 1 would keep the random
 * initialisation around for thousands of steps, so each rule lowers the decay for the first steps:
 * - `none`: beta_t = decay.
 * - `inverse`: beta_t = min(decay, (1 + t) / (10 + t)) (TensorFlow's ExponentialMovingAverage `num_updates`).
 * - `rampup`: EDM's half-life ramp: the half-life is min(halfLife, rampup * t) steps and
 *   beta_t = 0.5^(1 / halfLife_t), where halfLife defaults to the one implied by `decay`.
 */
export type ClassicEmaWarmup = 'none' | 'inverse' | 'rampup';

export interface ClassicEmaOptions {
  /** Steady-state decay per step, in [0, 1). */
  decay: number;
  warmup?: ClassicEmaWarmup;
  /** For `rampup`: the ratio of half-life to elapsed steps during the ramp (EDM uses 0.05). */
  rampup?: number;
}

/** Decay of a classic EMA at update `step` (counted from 1). */
export function classicEmaBeta(step: number, options: ClassicEmaOptions): number {
  const { decay, warmup = 'none', rampup = 0.05 } = options;
  if (!(decay >= 0 && decay < 1)) throw new EmaInputError(`decay must be in [0, 1), got ${decay}`);
  if (!(step >= 1) || !Number.isFinite(step)) throw new EmaInputError(`step must be >= 1, got ${step}`);
  switch (warmup) {
    case 'none':
      return decay;
    case 'inverse':
      return Math.min(decay, (1 + step) / (10 + step));
    case 'rampup': {
      if (!(rampup > 0)) throw new EmaInputError(`rampup must be > 0, got ${rampup}`);
      if (decay === 0) return 0;
      const halfLife = Math.log(0.5) / Math.log(decay);
      const h = Math.min(halfLife, rampup * step);
      return 0.5 ** (1 / Math.max(h, 1e-8));
    }
    default:
      throw new EmaInputError(`warmup must be one of none, inverse, rampup; got ${String(warmup)}`);
  }
}
