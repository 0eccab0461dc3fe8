import { centreRows, dotsToDistances } from './centred-gemm';
import { PackedPool } from './packed-pool';
import type { PoolCost, PoolCostFactory, PoolDistances } from './pool-cost';

/**
 * Dot products of a batch with the pool: `out[i * cols + j] = x_i . pool_j` (x rows x dim, pool cols x dim,
 * row-major float32): one call of a BLAS sgemm (C = X Z^T), e.g. a native engine's.
 */
export type PoolDotProducts = (x: Float32Array, rows: number, pool: Float32Array, cols: number, dim: number, out: Float32Array) => void | Promise<void>;

/**
 * A `PoolCostFactory` around any GEMM: centres the pool once per draw (on its mean, as the wasm kernel does) and
 * keeps its norms, then per batch centres the rows, calls `dot` once and forms |x|^2 + |z|^2 - 2 x.z (clamped
 * at 0). So a native sgemm plugs into `createCoupling('dansm', { poolCost })` with one line. Retired (used) pool
 * rows leave the packed pool (the last live row takes their place), so `dot` sees only the live ones.
 */
export function poolCostFromDotProducts(name: string, dot: PoolDotProducts): PoolCostFactory {
  return async (cols: number, dim: number, maxRows: number): Promise<PoolCost> => {
    const mean = new Float64Array(dim);
    const packed = new PackedPool(name, cols, dim, maxRows);
    const { rows: pool, norms: nz, live } = packed;
    const xc = new Float32Array(maxRows * dim);
    const out = new Float32Array(maxRows * cols);
    return {
      name,
      async setPool(src: Float32Array): Promise<void> {
        packed.checkPool(src);
        mean.fill(0);
        for (let o = 0; o < src.length; o += dim) for (let k = 0; k < dim; k++) mean[k] += src[o + k]!;
        for (let k = 0; k < dim; k++) mean[k] /= cols;
        centreRows(src, cols, dim, mean, nz, pool);
        live.reset();
      },
      retire(indices: Int32Array, count: number): void {
        packed.retire(indices, count);
      },
      async distances(x: Float32Array, rows: number): Promise<PoolDistances> {
        packed.checkRows(x, rows);
        const nx = new Float64Array(rows);
        centreRows(x, rows, dim, mean, nx, xc);
        const n = live.count;
        const c = out.subarray(0, rows * n);
        if (n > 0) {
          await dot(xc.subarray(0, rows * dim), rows, pool.subarray(0, n * dim), n, dim, c);
          dotsToDistances(c, rows, n, nx, nz);
        }
        return { cost: c, ld: n, index: live.live() };
      },
      dispose(): void {},
    };
  };
}
