import type { CostBackend, PreparedCostInput } from './types';

// Plain TypeScript. Both sets are centred into contiguous copies (Float32Array for float32, halving the
// memory traffic; Float64Array for float64), then dot products are computed in 2 x 4 register tiles along
// the coordinate axis, with z blocked so that one block stays in L2 while all x rows sweep over it.
const Z_BLOCK_BYTES = 512 * 1024;

function centre(a: Float32Array | Float64Array, n: number, dim: number, mean: Float64Array, f64: boolean, norms: Float64Array): Float32Array | Float64Array {
  const out = f64 ? new Float64Array(n * dim) : new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let k = 0; k < dim; k++) out[o + k] = a[o + k] - mean[k];
    let s = 0;
    for (let k = 0; k < dim; k++) s += out[o + k] * out[o + k];
    norms[i] = s;
  }
  return out;
}

export function computeCpu(input: PreparedCostInput, out: Float32Array | Float64Array, r0 = 0, r1 = input.rows): void {
  const { rows, cols, dim, mean } = input;
  const f64 = input.precision === 'float64';
  const nx = new Float64Array(rows);
  const nz = new Float64Array(cols);
  const x = centre(input.x, rows, dim, mean, f64, nx);
  const z = centre(input.z, cols, dim, mean, f64, nz);
  const zBlock = Math.max(4, Math.floor(Z_BLOCK_BYTES / (dim * (f64 ? 8 : 4)) / 4) * 4);
  for (let j0 = 0; j0 < cols; j0 += zBlock) {
    const j1 = Math.min(cols, j0 + zBlock);
    let i = r0;
    for (; i + 1 < r1; i += 2) {
      const xa = i * dim;
      const xb = xa + dim;
      let j = j0;
      for (; j + 3 < j1; j += 4) {
        const z0 = j * dim;
        const z1 = z0 + dim;
        const z2 = z1 + dim;
        const z3 = z2 + dim;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        for (let k = 0; k < dim; k++) {
          const u = x[xa + k];
          const v = x[xb + k];
          const w0 = z[z0 + k], w1 = z[z1 + k], w2 = z[z2 + k], w3 = z[z3 + k];
          a0 += u * w0; a1 += u * w1; a2 += u * w2; a3 += u * w3;
          b0 += v * w0; b1 += v * w1; b2 += v * w2; b3 += v * w3;
        }
        const oa = i * cols + j;
        const ob = oa + cols;
        out[oa] = clamp(nx[i] + nz[j] - 2 * a0);
        out[oa + 1] = clamp(nx[i] + nz[j + 1] - 2 * a1);
        out[oa + 2] = clamp(nx[i] + nz[j + 2] - 2 * a2);
        out[oa + 3] = clamp(nx[i] + nz[j + 3] - 2 * a3);
        out[ob] = clamp(nx[i + 1] + nz[j] - 2 * b0);
        out[ob + 1] = clamp(nx[i + 1] + nz[j + 1] - 2 * b1);
        out[ob + 2] = clamp(nx[i + 1] + nz[j + 2] - 2 * b2);
        out[ob + 3] = clamp(nx[i + 1] + nz[j + 3] - 2 * b3);
      }
      for (; j < j1; j++) {
        out[i * cols + j] = clamp(nx[i] + nz[j] - 2 * dot(x, xa, z, j * dim, dim));
        out[(i + 1) * cols + j] = clamp(nx[i + 1] + nz[j] - 2 * dot(x, xb, z, j * dim, dim));
      }
    }
    for (; i < r1; i++) {
      for (let j = j0; j < j1; j++) out[i * cols + j] = clamp(nx[i] + nz[j] - 2 * dot(x, i * dim, z, j * dim, dim));
    }
  }
}

function dot(a: Float32Array | Float64Array, ao: number, b: Float32Array | Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[ao + k] * b[bo + k];
  return s;
}

// `v > 0 ? v : 0` would turn NaN into 0; this keeps NaN visible.
function clamp(v: number): number {
  return v < 0 ? 0 : v;
}

export const cpuBackend: CostBackend = {
  name: 'cpu',
  precisions: ['float32', 'float64'],
  check: async () => ({ available: true, reason: 'plain TypeScript, always present' }),
  compute: async (input, out) => {
    computeCpu(input, out);
  },
};
