import { getWasmApi, type WasmMemory } from './wasm-api';
import { defaultWasmWorkers, getWorkers, KC_ELEMS, loadKernel, MAX_PAGES, pack, roundUp, runOn, runTaskHere, WASM_PAGE, Z_BLOCK_BYTES, type TaskMsg } from './backend-wasm';
import { LiveColumns } from './live-columns';
import { WASM_TILE } from './wasm-kernel-binary';

/** A distance block from a batch of rows to the pool: `cost[i * ld + j] = |x_i - pool_j|^2` for j < cols. */
export interface PoolDistances {
  /** rows x ld, float32; valid until the next `distances` or `setPool` call on the same kernel. */
  cost: Float32Array;
  /** Row stride (>= the number of columns). */
  ld: number;
  /**
   * Present where the kernel skips retired entries: column j is pool entry `index[j]` (any order), and there are
   * `index.length` columns. Absent: column j is pool entry j, for every entry.
   */
  index?: Int32Array;
}

/**
 * Distances from batches of rows to one fixed pool of rows (DANSM's noise pool): the pool is prepared once per
 * `setPool` (packed, normed), and every batch reuses it, so a batch costs one GEMM (|x|^2 - 2 x.z + |z|^2) and
 * no copy of the pool. A native GEMM (say an sgemm of a native engine) can stand in through
 * `CouplingOptions.poolCost`; it must return the same distances up to float32 rounding.
 */
export interface PoolCost {
  /** What ran (shown as the coupling's cost backend). */
  readonly name: string;
  /** Prepares the pool: cols x dim, row-major. */
  setPool(pool: Float32Array): Promise<void>;
  /** Distances of `rows` rows of `x` (rows x dim, rows <= maxRows) to every pool row (every live one, with `retire`). */
  distances(x: Float32Array, rows: number): Promise<PoolDistances>;
  /**
   * Optional: drops the first `count` pool entries of `indices` (used ones) from later distance blocks until the
   * next `setPool`, so the GEMM shrinks with the unused pool (about half the work over a draw cycle). Entries
   * already dropped are ignored. A kernel with it returns `index` from `distances`.
   */
  retire?(indices: Int32Array, count: number): void;
  /**
   * Optional: DANSM's in-order nearest-unused rule (as `greedyAssign`: ties to the lowest pool index) on `block`,
   * the last `distances` result, run by the kernel (say natively); marks the taken entries in `used`, returns them.
   */
  assign?(block: PoolDistances, rows: number, used: Uint8Array): Int32Array;
  /** Frees what the kernel holds (workers stay shared with the cost backends). */
  dispose(): void;
}

/** Makes a PoolCost for pools of `cols` rows of `dim` values and batches of at most `maxRows` rows. */
export type PoolCostFactory = (cols: number, dim: number, maxRows: number) => Promise<PoolCost>;

const SMALL_FLOPS = 2e7; // below this, threads cost more than they save (as the wasm cost backend)

/**
 * The wasm SIMD pool kernel (the cost backend's register-tiled microkernel, relaxed-SIMD FMA where the runtime
 * validates it): the packed pool lives in one shared WebAssembly.Memory for the life of the kernel; each
 * batch packs only its own rows, and the pool's columns are split over worker_threads on every core.
 * Centred on the pool's mean (distances do not change; |x|^2 and |z|^2 shrink, so fewer bits cancel). Retired
 * (used) entries leave the packed pool, the last live one taking their place, so a batch runs over live ones only.
 */
export async function createWasmPoolCost(cols: number, dim: number, maxRows: number, workers = defaultWasmWorkers()): Promise<PoolCost> {
  const kernel = await loadKernel();
  const WebAssembly = getWasmApi()!;
  const { mr, nr, unroll } = WASM_TILE;
  const lanes = 4;
  const bytes = 4;
  const dp = roundUp(dim, lanes * unroll);
  const rowsMaxP = roundUp(maxRows, mr);
  const group = lanes; // z panels per split unit: whole f32x4 vectors of columns for finalize
  const colsP = roundUp(cols, nr * group);
  const zBase = 0;
  const nzBase = zBase + colsP * dp * bytes;
  const xBase = roundUp(nzBase + colsP * bytes, 64);
  const nxBase = xBase + rowsMaxP * dp * bytes;
  const cBase = roundUp(nxBase + rowsMaxP * bytes, 64);
  const total = cBase + rowsMaxP * colsP * bytes;
  const pages = Math.ceil(total / WASM_PAGE);
  if (pages > MAX_PAGES) throw new Error(`wasm pool kernel: a pool of ${cols} x ${dim} needs ${(total / 2 ** 30).toFixed(2)} GiB, more than wasm32's 4 GiB`);
  let memory: WasmMemory | null = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const mean = new Float64Array(dim);
  const kcTotal = dp / lanes;
  const kcBlock = Math.min(kcTotal, Math.floor(KC_ELEMS / lanes / unroll) * unroll);
  const live = new LiveColumns(cols);
  // Swap-remove in the panel layout (pack's): column `from`'s lanes-wide chunks to column `to`, and its norm.
  const move = (from: number, to: number): void => {
    const buf = liveMemory().buffer;
    const z = new Float32Array(buf, zBase, colsP * dp);
    const nz = new Float32Array(buf, nzBase, colsP);
    const pf = Math.floor(from / nr);
    const pt = Math.floor(to / nr);
    const src = pf * nr * dp + (from - pf * nr) * lanes;
    const dst = pt * nr * dp + (to - pt * nr) * lanes;
    for (let c = 0; c < dp; c += lanes) {
      const o = c * nr; // chunk c / lanes of the panel: nr rows x lanes values
      z.copyWithin(dst + o, src + o, src + o + lanes);
    }
    nz[to] = nz[from]!;
  };
  const base = {
    f64: false,
    mr,
    nr,
    lanes,
    bytes,
    xBase,
    nxBase,
    chunkPanel0: 0,
    p0: 0,
    kcTotal,
    kcBlock,
    zBlockPanels: Math.max(1, Math.floor(Z_BLOCK_BYTES / (nr * kcBlock * lanes * bytes))),
    ldcB: colsP * bytes,
    xs: mr * dp * bytes,
    zs: nr * dp * bytes,
  };
  const task = (p1: number, u0: number, u1: number): TaskMsg => {
    const j0 = u0 * group;
    return { ...base, p1, zBase: zBase + j0 * base.zs, cBase: cBase + j0 * nr * bytes, nzBase: nzBase + j0 * nr * bytes, nzPanels: (u1 - u0) * group, colsP: (u1 - u0) * group * nr };
  };
  function liveMemory(): WasmMemory {
    if (!memory) throw new Error('wasm pool kernel: used after dispose()');
    return memory;
  }
  return {
    name: `wasm pool kernel (${kernel.variant})`,
    async setPool(pool: Float32Array): Promise<void> {
      if (pool.length !== cols * dim) throw new Error(`wasm pool kernel: pool has ${pool.length} values, expected ${cols} x ${dim}`);
      mean.fill(0);
      for (let o = 0; o < pool.length; o += dim) for (let k = 0; k < dim; k++) mean[k] += pool[o + k]!;
      for (let k = 0; k < dim; k++) mean[k] /= cols;
      const buf = liveMemory().buffer;
      pack(pool, cols, dim, mean, new Float32Array(buf, zBase, colsP * dp), new Float32Array(buf, nzBase, colsP), nr, dp, lanes);
      live.reset();
    },
    retire(indices: Int32Array, count: number): void {
      live.retire(indices, count, move);
    },
    async distances(x: Float32Array, rows: number): Promise<PoolDistances> {
      if (!(rows >= 1 && rows <= maxRows) || x.length < rows * dim) throw new Error(`wasm pool kernel: expected 1..${maxRows} rows of ${dim} values, got ${rows} rows in ${x.length} values`);
      const mem = liveMemory();
      const buf = mem.buffer;
      const rowsP = roundUp(rows, mr);
      // Zero the padding rows of the last panel: a smaller batch after a larger one leaves old rows there.
      new Float32Array(buf, xBase, rowsP * dp).fill(0, Math.floor(rows / mr) * mr * dp);
      pack(x.subarray(0, rows * dim), rows, dim, mean, new Float32Array(buf, xBase, rowsP * dp), new Float32Array(buf, nxBase, rowsP), mr, dp, lanes);
      const p1 = rowsP / mr;
      const units = roundUp(live.count, nr * group) / (nr * group);
      const n = rows * 2 * live.count * dim < SMALL_FLOPS ? 0 : Math.min(workers, units);
      if (units === 0) {
        // every entry retired: an empty block
      } else if (n === 0) {
        runTaskHere(kernel, mem, [task(p1, 0, units)]);
      } else {
        const team = getWorkers(n);
        await Promise.all(team.map((w, i) => runOn(w, kernel, mem, [task(p1, Math.floor((units * i) / n), Math.floor((units * (i + 1)) / n))])));
      }
      return { cost: new Float32Array(buf, cBase, rows * colsP), ld: colsP, index: live.live() };
    },
    dispose(): void {
      memory = null;
    },
  };
}
