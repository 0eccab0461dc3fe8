import { computeCostMatrix } from './cost/index';
import type { CostBackendName, CostPrecision } from './cost/index';
import type { RealArray } from './validate';

/** Which cost backend ran and how long it took, next to the matrix. */
export interface PairCostResult {
  cost: Float32Array | Float64Array;
  backend: string;
  seconds: number;
}

export interface PairCostOptions {
  backend?: CostBackendName | string;
  precision?: CostPrecision;
  memoryLimitBytes?: number;
}

/** C[i*cols+j] = |x_i - z_j|^2 through the cost module (backend chosen by name, `auto` by default). */
export async function pairCost(x: RealArray, z: RealArray, rows: number, cols: number, dim: number, opts: PairCostOptions = {}): Promise<PairCostResult> {
  const r = await computeCostMatrix(x, z, rows, cols, dim, { backend: (opts.backend ?? 'auto') as CostBackendName, precision: opts.precision ?? 'float32', validate: false, memoryLimitBytes: opts.memoryLimitBytes });
  return { cost: r.cost, backend: r.backend, seconds: r.seconds };
}

/** |a_i - b_j|^2 for one pair of rows, in float64. */
export function rowSqDist(a: RealArray, i: number, b: RealArray, j: number, dim: number): number {
  let s = 0;
  const ai = i * dim;
  const bj = j * dim;
  for (let k = 0; k < dim; k++) {
    const t = a[ai + k]! - b[bj + k]!;
    s += t * t;
  }
  return s;
}
