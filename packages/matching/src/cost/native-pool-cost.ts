import { loadNativeGemm } from './native-gemm';
import type { PoolCost } from './pool-cost';
import { poolCostFromDotProducts } from './pool-cost-from-dot';

/**
 * DANSM's pool kernel on `@flow/native`'s sgemm: the pool centred once per draw, then one OpenBLAS call per batch
 * on every core. Throws (with the reason) where the optional package or its addon is absent.
 */
export async function createNativePoolCost(cols: number, dim: number, maxRows: number): Promise<PoolCost> {
  const gemm = await loadNativeGemm();
  if (!gemm.sgemm) throw new Error(`native pool kernel: ${gemm.reason}`);
  const sgemm = gemm.sgemm;
  return poolCostFromDotProducts(`native pool kernel (${gemm.note})`, (x, rows, pool, c, d, out) => sgemm(x, rows, pool, c, d, out))(cols, dim, maxRows);
}
