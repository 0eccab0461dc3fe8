import { PackedPool } from './packed-pool';
import { loadNativeGemm, type NativePoolPieces } from './native-gemm';
import type { PoolCost, PoolDistances } from './pool-cost';
import { poolCostFromDotProducts } from './pool-cost-from-dot';

/**
 * DANSM's pool kernel on `@flow/native`: the pool centred once per draw, then per batch one native call (centring
 * the rows, OpenBLAS sgemm over the live pool rows on every core, the distances formed in the same pass) and one
 * for the in-order nearest-unused rule; used rows leave the packed pool, so the GEMM shrinks over a draw cycle.
 * The same bits as the JS path around the sgemm (`poolCostFromDotProducts`), which runs where the installed
 * `@flow/native` predates the pool pieces. Throws (with the reason) where the optional package or its addon is absent.
 */
export async function createNativePoolCost(cols: number, dim: number, maxRows: number): Promise<PoolCost> {
  const gemm = await loadNativeGemm();
  if (!gemm.sgemm) throw new Error(`native pool kernel: ${gemm.reason}`);
  const name = `native pool kernel (${gemm.note})`;
  if (gemm.pool) return nativePoolCost(name, gemm.pool, cols, dim, maxRows);
  const sgemm = gemm.sgemm;
  return poolCostFromDotProducts(name, (x, rows, pool, c, d, out) => sgemm(x, rows, pool, c, d, out))(cols, dim, maxRows);
}

function nativePoolCost(name: string, p: NativePoolPieces, cols: number, dim: number, maxRows: number): PoolCost {
  const mean = new Float64Array(dim);
  const packed = new PackedPool(name, cols, dim, maxRows);
  const { rows: pool, norms: nz, live } = packed;
  const xc = new Float32Array(maxRows * dim);
  const nx = new Float64Array(maxRows);
  const out = new Float32Array(maxRows * cols);
  const free = new Int32Array(cols);
  const pick = new Int32Array(maxRows);
  return {
    name,
    async setPool(src: Float32Array): Promise<void> {
      packed.checkPool(src);
      p.centre(src, cols, dim, true, mean, pool, nz);
      live.reset();
    },
    retire(indices: Int32Array, count: number): void {
      packed.retire(indices, count);
    },
    async distances(x: Float32Array, rows: number): Promise<PoolDistances> {
      packed.checkRows(x, rows);
      const n = live.count;
      if (n > 0) {
        p.centre(x.subarray(0, rows * dim), rows, dim, false, mean, xc, nx);
        p.distances(xc, rows, pool, n, dim, nx, nz, out);
      }
      return { cost: out.subarray(0, rows * n), ld: n, index: live.live() };
    },
    assign(block: PoolDistances, rows: number, used: Uint8Array): Int32Array {
      const index = block.index!;
      const served = p.greedy(block.cost, rows, block.ld, free, live.freeColumns(used, free), pick);
      const result = new Int32Array(rows).fill(-1);
      for (let b = 0; b < served; b++) {
        const e = index[pick[b]!]!;
        used[e] = 1;
        result[b] = e;
      }
      return result;
    },
    dispose(): void {},
  };
}
