import { MP_SILU_SCALE } from './mp-silu-scale';

/** y = x sigmoid(x) / 0.596 (EDM2's magnitude-preserving SiLU), one pass. */
export function mpSilu(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = (v / (1 + Math.exp(-v))) * MP_SILU_SCALE;
  }
}
