import * as tf from '@tensorflow/tfjs-core';

/**
 * Rectified-flow preconditioning in the style of EDM (the same derivation, done for velocity).
 *
 * With x_t = (1 - t) x0 + t x1, noise x0 ~ N(0, I), data x1 of per-element std sigma_data, target
 * v = x1 - x0, the network F is wrapped as
 *
 *   v(x_t, t) = c_skip(t) x_t + c_out(t) F(c_in(t) x_t; c_noise(t))
 *
 *   s(t)      = sqrt((1 - t)^2 + t^2 sigma_data^2)        std of x_t
 *   c_in      = 1 / s                                      unit-variance network input
 *   c_skip    = (t sigma_data^2 - (1 - t)) / s^2           Cov(v, x_t) / Var(x_t): the best linear guess of v
 *   c_out     = sigma_data / s                             std of what is left, so F's target has unit variance
 *   c_noise   = ln((1 - t) / t) / 4                        EDM's ln(sigma) / 4 with sigma = (1 - t) / t, the
 *                                                           noise-to-signal ratio of x_t / t
 *
 * (Var(v) - Cov(v, x_t)^2 / Var(x_t) = sigma_data^2 exactly, for every t.) t is clamped to
 * [tEps, 1 - tEps] inside c_noise only.
 */
export interface FlowPrecond {
  cIn: tf.Tensor1D;
  cSkip: tf.Tensor1D;
  cOut: tf.Tensor1D;
  cNoise: tf.Tensor1D;
}

export const T_EPS = 1e-5;

/** The four coefficients for per-sample times t (shape [batch]). */
export function flowPrecond(t: tf.Tensor1D, sigmaData: number): FlowPrecond {
  return tf.tidy(() => {
    const sd2 = sigmaData * sigmaData;
    const one = tf.sub(1, t);
    const s2 = tf.add(tf.square(one), tf.mul(tf.square(t), sd2));
    const s = tf.sqrt(s2);
    const tc = tf.clipByValue(t, T_EPS, 1 - T_EPS);
    return {
      cIn: tf.div(1, s) as tf.Tensor1D,
      cSkip: tf.div(tf.sub(tf.mul(t, sd2), one), s2) as tf.Tensor1D,
      cOut: tf.div(sigmaData, s) as tf.Tensor1D,
      cNoise: tf.mul(tf.log(tf.div(tf.sub(1, tc), tc)), 0.25) as tf.Tensor1D,
    };
  });
}

/** Plain-number version, for documentation, tests and analytic use. */
export function flowPrecondScalar(t: number, sigmaData: number): { cIn: number; cSkip: number; cOut: number; cNoise: number } {
  const sd2 = sigmaData * sigmaData;
  const s2 = (1 - t) ** 2 + t * t * sd2;
  const tc = Math.min(Math.max(t, T_EPS), 1 - T_EPS);
  return { cIn: 1 / Math.sqrt(s2), cSkip: (t * sd2 - (1 - t)) / s2, cOut: sigmaData / Math.sqrt(s2), cNoise: Math.log((1 - tc) / tc) / 4 };
}
