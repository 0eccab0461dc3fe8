import { MP_SILU_SCALE } from './mp-silu-scale';

/** dx = dy sigmoid(x) (1 + x (1 - sigmoid(x))) / 0.596, one pass. */
export function mpSiluGrad(x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const sg = 1 / (1 + Math.exp(-v));
    dx[i] = dy[i] * sg * (1 + v * (1 - sg)) * MP_SILU_SCALE;
  }
}
