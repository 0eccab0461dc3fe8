import { requireBinding } from './availability';

/** y = x * sigmoid(x) / 0.596 (EDM2's magnitude-preserving SiLU), one pass, all threads. */
export function mpSilu(x: Float32Array, y: Float32Array): void {
  requireBinding().mpSilu(x, y);
}

/** dx = dy * d/dx mpSilu(x). */
export function mpSiluGrad(x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  requireBinding().mpSiluGrad(x, dy, dx);
}

/** y = ca * a + cb * b (EDM2's mp_sum with its constants folded in). */
export function mpSum(a: Float32Array, b: Float32Array, ca: number, cb: number, y: Float32Array): void {
  requireBinding().mpSum(a, b, ca, cb, y);
}

/** dx = dy where lo <= x <= hi, else 0: the gradient of clip_by_value in one pass (EDM2 clips every block's output). */
export function clipByValueGrad(x: Float32Array, dy: Float32Array, lo: number, hi: number, dx: Float32Array): void {
  requireBinding().clipGrad(x, dy, lo, hi, dx);
}

/** EDM2's normalize over the last axis (rows of `c` values): y = x / (eps + |x| / sqrt(c)), one pass. */
export function rowNormalize(x: Float32Array, c: number, eps: number, y: Float32Array): void {
  requireBinding().rowNormalize(x, c, eps, y);
}

/** The gradient of rowNormalize: dx = dy / d - x (dy . x) / (d^2 |x| sqrt(c)), d = eps + |x| / sqrt(c). */
export function rowNormalizeGrad(x: Float32Array, dy: Float32Array, c: number, eps: number, dx: Float32Array): void {
  requireBinding().rowNormalizeGrad(x, dy, c, eps, dx);
}
