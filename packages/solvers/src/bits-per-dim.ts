/**
 * Bits per dimension of 8-bit data from a log-density in model space (nats per row), under uniform
 * dequantisation: pixel k in 0..255 becomes x = (k + u - 0.5) / 127.5 - 1 with u ~ U[0, 1) (a cell of width
 * 1 / 127.5 centred on the training value k / 127.5 - 1). Then log P(k) >= E_u log p(x) - d ln 127.5, so
 *   bits/dim = (-log p(x) / d + ln 127.5) / ln 2,
 * an upper bound on the discrete model's negative log-likelihood in bits (the usual reported figure).
 */
export function bitsPerDim(logLikelihood: number, dim: number, levelsScale = 127.5): number {
  return (-logLikelihood / dim + Math.log(levelsScale)) / Math.LN2;
}
