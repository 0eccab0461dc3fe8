import { requireBinding } from './availability';

/** EDM2's modulated activation: y = mpSilu(x * s[image, channel]) for x [n, hw, c] and s [n, c], one pass. */
export function mpSiluMod(x: Float32Array, s: Float32Array, hw: number, c: number, y: Float32Array): void {
  requireBinding().mpSiluMod(x, s, hw, c, y);
}

/** The gradient of mpSiluMod: dx = g s, ds = sum over pixels of g x, g = dy mpSilu'(x s), one pass. */
export function mpSiluModGrad(x: Float32Array, s: Float32Array, dy: Float32Array, hw: number, c: number, dx: Float32Array, ds: Float32Array): void {
  requireBinding().mpSiluModGrad(x, s, dy, hw, c, dx, ds);
}
