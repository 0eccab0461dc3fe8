import { computeCostMatrix } from './compute-cost-matrix';
import { CostInputError } from './cost-input-error';
import type { CostMatrixOptions } from './types';

export interface CostBlock {
  /** First row of `x` and first row of `z` (column of the full matrix) this block covers. */
  rowStart: number;
  colStart: number;
  rows: number;
  cols: number;
  /** Row-major `rows x cols` block of the full cost matrix. */
  cost: Float32Array | Float64Array;
  backend: string;
  seconds: number;
}

export interface CostBlockOptions extends CostMatrixOptions {
  /** Rows of `x` per block (default: all). */
  blockRows?: number;
  /** Rows of `z` (columns) per block (default: enough for about 16M cells per block). */
  blockCols?: number;
}

/**
 * Streams the cost matrix in tiles (row blocks of x times column blocks of z), for pools too large to hold
 * as one matrix: the greedy DANSM mode needs only batch x pool distances. Each tile is computed by
 * `computeCostMatrix`, so every backend and option applies; tiles come row block by row block.
 */
export async function* computeCostBlocks(
  x: Float32Array | Float64Array,
  z: Float32Array | Float64Array,
  rows: number,
  cols: number,
  dim: number,
  opts: CostBlockOptions = {},
): AsyncGenerator<CostBlock, void, undefined> {
  const { blockRows = rows, blockCols: bc, ...matrixOpts } = opts;
  const blockCols = bc ?? Math.max(1, Math.floor((1 << 24) / Math.max(1, Math.min(rows, blockRows))));
  for (const [name, v] of [['blockRows', blockRows], ['blockCols', blockCols]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new CostInputError(`${name} must be an integer >= 1, got ${v}`);
  }
  if (x.length !== rows * dim) throw new CostInputError(`x has ${x.length} values, expected rows x dim = ${rows} x ${dim} = ${rows * dim}`);
  if (z.length !== cols * dim) throw new CostInputError(`z has ${z.length} values, expected cols x dim = ${cols} x ${dim} = ${cols * dim}`);
  for (let r0 = 0; r0 < rows; r0 += blockRows) {
    const r1 = Math.min(rows, r0 + blockRows);
    for (let c0 = 0; c0 < cols; c0 += blockCols) {
      const c1 = Math.min(cols, c0 + blockCols);
      const res = await computeCostMatrix(x.subarray(r0 * dim, r1 * dim), z.subarray(c0 * dim, c1 * dim), r1 - r0, c1 - c0, dim, matrixOpts);
      yield { rowStart: r0, colStart: c0, rows: r1 - r0, cols: c1 - c0, cost: res.cost, backend: res.backend, seconds: res.seconds };
    }
  }
}
