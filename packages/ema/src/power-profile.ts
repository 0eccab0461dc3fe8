/**
 * Inner product of two power-function EMA profiles, integral over tau of p_a(tau) p_b(tau), where
 * p(tau) = (gamma + 1) tau^gamma / t^(gamma + 1) on [0, t] and 0 after t (EDM2 appendix C.3). In closed form,
 * with m = min(t_a, t_b):
 *   (gamma_a + 1)(gamma_b + 1) m^(gamma_a + gamma_b + 1) / ((gamma_a + gamma_b + 1) t_a^(gamma_a+1) t_b^(gamma_b+1)),
 * written with the ratio t_a / t_b so that nothing overflows at large steps. The result scales as 1 / t, so the
 * post-hoc coefficients do not depend on the unit of t (steps or images).
 */
export function powerProfileInnerProduct(tA: number, gammaA: number, tB: number, gammaB: number): number {
  const ratio = tA / tB;
  const exponent = tA < tB ? gammaB : -gammaA;
  return ((gammaA + 1) * (gammaB + 1) * ratio ** exponent) / ((gammaA + gammaB + 1) * Math.max(tA, tB));
}
