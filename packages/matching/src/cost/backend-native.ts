import { centreRows, dotsToDistances } from './centred-gemm';
import { loadNativeGemm } from './native-gemm';
import type { CostBackend, PreparedCostInput } from './types';

async function computeNative(input: PreparedCostInput, out: Float32Array | Float64Array): Promise<string> {
  const gemm = await loadNativeGemm();
  if (!gemm.sgemm) throw new Error(gemm.reason);
  if (!(out instanceof Float32Array)) throw new Error('native cost backend: float32 only');
  const { rows, cols, dim, mean } = input;
  const nx = new Float64Array(rows);
  const nz = new Float64Array(cols);
  const x = centreRows(input.x, rows, dim, mean, nx);
  const z = centreRows(input.z, cols, dim, mean, nz);
  gemm.sgemm(x, rows, z, cols, dim, out);
  dotsToDistances(out, rows, cols, nx, nz);
  return gemm.note;
}

/**
 * `@flow/native`'s OpenBLAS sgemm on every core (float32): |x|^2 + |z|^2 - 2 x.z on centred copies. Available
 * where the optional package is installed and its addon built; `auto` prefers it to wasm (4-lane SIMD).
 */
export const nativeBackend: CostBackend = {
  name: 'native',
  precisions: ['float32'],
  check: async () => {
    const g = await loadNativeGemm();
    return g.sgemm ? { available: true, reason: g.note } : { available: false, reason: g.reason };
  },
  compute: (input, out) => computeNative(input, out),
};
