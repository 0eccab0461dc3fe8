import { requireBinding } from './availability';

/**
 * EDM2's weight normalisation with its scale: each column of w [fanIn, cols] (a layer's weight, output channels
 * last) becomes y = s w / (eps + |w_col| / sqrt(fanIn)). One thread, fixed order: weights are small.
 */
export function colNormalize(w: Float32Array, fanIn: number, eps: number, s: number, y: Float32Array): void {
  requireBinding().colNormalize(w, fanIn, eps, s, y);
}

/** The gradient of colNormalize: dw = s (dy / d - w (dy . w) / (d^2 |w| sqrt(fanIn))) per column. */
export function colNormalizeGrad(w: Float32Array, dy: Float32Array, fanIn: number, eps: number, s: number, dw: Float32Array): void {
  requireBinding().colNormalizeGrad(w, dy, fanIn, eps, s, dw);
}
