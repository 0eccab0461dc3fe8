import { MP_SILU_SCALE } from './mp-silu-scale';

/**
 * The gradient of mpSiluMod: dx = g s, ds = sum over the image's pixels of g x, g = dy mpSilu'(x s), one pass.
 * ds sums pixels in order, as @flow/native does (float64 accumulator).
 */
export function mpSiluModGrad(x: Float32Array, s: Float32Array, dy: Float32Array, hw: number, c: number, dx: Float32Array, ds: Float32Array): void {
  const n = s.length / c;
  const acc = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    const so = i * c;
    for (let p = 0, o = i * hw * c; p < hw; p++)
      for (let j = 0; j < c; j++, o++) {
        const sj = s[so + j];
        const z = x[o] * sj;
        const sg = 1 / (1 + Math.exp(-z));
        const g = Math.fround(dy[o] * sg * (1 + z * (1 - sg)) * MP_SILU_SCALE);
        dx[o] = g * sj;
        acc[j] += g * x[o];
      }
    for (let j = 0; j < c; j++) ds[so + j] = acc[j];
  }
}
