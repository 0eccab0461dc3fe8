import { EmaInputError } from './errors';

/**
 * EDM2 power-function EMA (Karras et al. 2024, "Analyzing and Improving the Training Dynamics of Diffusion
 * Models", section 3.1 and appendix C). The EMA at step t averages the past weights with the profile
 * p(tau) = (gamma + 1) tau^gamma / t^(gamma + 1) on [0, t]. Its width relative to t is
 * sigma_rel = sqrt((gamma + 1) / ((gamma + 2)^2 (gamma + 3))).
 */

/** gamma where sigma_rel(gamma) peaks: the positive root branch of gamma^2 + 3 gamma + 1 = 0. */
export const GAMMA_AT_MAX_SIGMA_REL = (Math.sqrt(5) - 3) / 2;

/** The widest profile that a power-function EMA has (about 0.3003); larger sigma_rel values have no gamma. */
export const MAX_SIGMA_REL = Math.sqrt(
  (GAMMA_AT_MAX_SIGMA_REL + 1) / ((GAMMA_AT_MAX_SIGMA_REL + 2) ** 2 * (GAMMA_AT_MAX_SIGMA_REL + 3)),
);

/** sigma_rel of the power profile with exponent gamma (gamma > -1). */
export function gammaToSigmaRel(gamma: number): number {
  if (!Number.isFinite(gamma) || gamma <= -1) {
    throw new EmaInputError(`gamma must be a finite number > -1, got ${gamma}`);
  }
  return Math.sqrt((gamma + 1) / ((gamma + 2) ** 2 * (gamma + 3)));
}

/**
 * gamma for a given sigma_rel: the largest real root of
 * g^3 + 7 g^2 + (16 - sigma_rel^-2) g + (12 - sigma_rel^-2) = 0 (what squaring the definition gives, and the
 * root EDM2's phema code picks). Newton's method started right of every root converges monotonically to the
 * largest one because the cubic is increasing and convex there; we run it until the iterates stop decreasing,
 * which leaves the root correct to the last bit or two.
 */
export function sigmaRelToGamma(sigmaRel: number): number {
  if (!Number.isFinite(sigmaRel) || sigmaRel <= 0 || sigmaRel > MAX_SIGMA_REL) {
    throw new EmaInputError(`sigma_rel must be in (0, ${MAX_SIGMA_REL.toFixed(4)}], got ${sigmaRel}`);
  }
  const u = 1 / (sigmaRel * sigmaRel);
  const c1 = 16 - u;
  const c0 = 12 - u;
  const f = (g: number) => ((g + 7) * g + c1) * g + c0;
  const df = (g: number) => (3 * g + 14) * g + c1;
  // Cauchy's bound: every root has |g| < 1 + max |coefficient|.
  let g = 1 + Math.max(7, Math.abs(c1), Math.abs(c0));
  for (let i = 0; i < 500; i++) {
    const next = g - f(g) / df(g);
    if (!(next < g)) break;
    g = next;
  }
  // At the peak (sigma_rel = MAX_SIGMA_REL) the root is double and Newton stalls a little early; clamp to the branch.
  return Math.max(g, GAMMA_AT_MAX_SIGMA_REL);
}

/**
 * Per-update decay of a power-function EMA: after the update that brings the step counter to `step`
 * (`step` counts updates from 1; `delta` is the step size, e.g. images per batch when steps count images),
 * ema <- beta * ema + (1 - beta) * weights with beta = (1 - delta / step)^(gamma + 1). The first update has
 * beta = 0, so the EMA starts at the weights and the averaging profile is exactly the power function.
 */
export function powerEmaBeta(step: number, gamma: number, delta = 1): number {
  if (!(step > 0) || !Number.isFinite(step)) throw new EmaInputError(`step must be a positive number, got ${step}`);
  if (!(delta > 0) || delta > step) throw new EmaInputError(`delta must be in (0, step], got ${delta} at step ${step}`);
  if (!Number.isFinite(gamma) || gamma <= -1) throw new EmaInputError(`gamma must be a finite number > -1, got ${gamma}`);
  return (1 - delta / step) ** (gamma + 1);
}
