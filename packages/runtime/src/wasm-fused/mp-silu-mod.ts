import { MP_SILU_SCALE } from './mp-silu-scale';

/** EDM2's modulated activation: y = mpSilu(x s[image, channel]) for x [n, hw, c] and s [n, c], one pass. */
export function mpSiluMod(x: Float32Array, s: Float32Array, hw: number, c: number, y: Float32Array): void {
  const rows = x.length / c;
  for (let r = 0, o = 0; r < rows; r++) {
    const so = Math.floor(r / hw) * c;
    for (let j = 0; j < c; j++, o++) {
      const z = x[o] * s[so + j];
      y[o] = (z / (1 + Math.exp(-z))) * MP_SILU_SCALE;
    }
  }
}
