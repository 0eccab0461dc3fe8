import { requireBinding } from './availability';

/** 2x2 box downsampling of NHWC images x [n, h, w, c] (h, w even): y = scale * (sum of each 2x2 block). */
export function down2x(x: Float32Array, h: number, w: number, c: number, scale: number, y: Float32Array): void {
  requireBinding().resample2x(x, 0, h, w, c, scale, y);
}

/** Nearest 2x upsampling of NHWC images x [n, h, w, c]: y = scale * x repeated over 2x2 blocks (down2x's gradient). */
export function up2x(x: Float32Array, h: number, w: number, c: number, scale: number, y: Float32Array): void {
  requireBinding().resample2x(x, 1, h, w, c, scale, y);
}
