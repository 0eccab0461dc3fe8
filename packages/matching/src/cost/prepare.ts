import { formatBytes, MAX_TYPED_ARRAY_LENGTH, memoryBudget } from '@flow/io';
import { CostInputError } from './cost-input-error';
import type { CostPrecision, PreparedCostInput } from './types';

/** Largest square scope `ms` whose `ms x ms` cost matrix fits the memory budget and one typed array. */
export function largestSquareScope(precision: CostPrecision = 'float32', memoryLimitBytes?: number): number {
  const bpe = precision === 'float64' ? 8 : 4;
  return Math.floor(Math.sqrt(Math.min(memoryBudget({ memoryLimitBytes }).bytes / bpe, MAX_TYPED_ARRAY_LENGTH)));
}

/** Allocates the result, or throws a `CostInputError` saying how large a matrix can be. */
export function allocateCostMatrix(rows: number, cols: number, precision: CostPrecision, memoryLimitBytes?: number): Float32Array | Float64Array {
  const bpe = precision === 'float64' ? 8 : 4;
  const bytes = rows * cols * bpe;
  const budget = memoryBudget({ memoryLimitBytes });
  const tooLarge = (): CostInputError =>
    new CostInputError(
      `cost matrix ${rows} x ${cols} (${precision}) needs ${formatBytes(bytes)}, more than the memory budget of ${formatBytes(budget.bytes)} (${budget.source}) ` +
        `or the 2^32 elements of one typed array; the largest square scope is ms = ${largestSquareScope(precision, memoryLimitBytes)}; ` +
        `compute it in tiles with computeCostBlocks, or raise memoryLimitBytes`,
    );
  if (bytes > budget.bytes || rows * cols > MAX_TYPED_ARRAY_LENGTH) throw tooLarge();
  try {
    return precision === 'float64' ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  } catch (e) {
    if (e instanceof RangeError) throw tooLarge();
    throw e;
  }
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new CostInputError(`${name} must be an integer >= ${min}, got ${v}`);
}

function checkFinite(name: string, a: Float32Array | Float64Array, dim: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v - v !== 0) {
      const row = Math.floor(i / dim);
      throw new CostInputError(`${name} row ${row} (column ${i - row * dim}) is ${v}; every value must be finite`);
    }
  }
}

/**
 * Validates shapes (and values unless `validate` is false) and computes the common mean of both sets.
 * Subtracting one vector from both sets leaves every distance unchanged but shrinks |x|^2 and |z|^2,
 * so the cancellation in |x|^2 + |z|^2 - 2 x.z loses fewer bits (data in [0, 1] has a large mean).
 */
export function prepareCostInput(
  x: Float32Array | Float64Array,
  z: Float32Array | Float64Array,
  rows: number,
  cols: number,
  dim: number,
  precision: CostPrecision,
  validate = true,
): PreparedCostInput {
  if (!(x instanceof Float32Array || x instanceof Float64Array)) throw new CostInputError('x must be a Float32Array or Float64Array');
  if (!(z instanceof Float32Array || z instanceof Float64Array)) throw new CostInputError('z must be a Float32Array or Float64Array');
  checkInt('rows', rows, 1);
  checkInt('cols', cols, 1);
  checkInt('dim', dim, 1);
  if (x.length !== rows * dim) throw new CostInputError(`x has ${x.length} values, expected rows x dim = ${rows} x ${dim} = ${rows * dim}`);
  if (z.length !== cols * dim) throw new CostInputError(`z has ${z.length} values, expected cols x dim = ${cols} x ${dim} = ${cols * dim}`);
  if (precision !== 'float32' && precision !== 'float64') throw new CostInputError(`precision must be 'float32' or 'float64', got ${String(precision)}`);
  if (validate) {
    checkFinite('x', x, dim);
    checkFinite('z', z, dim);
  }
  const mean = new Float64Array(dim);
  for (const a of [x, z]) {
    for (let o = 0; o < a.length; o += dim) for (let k = 0; k < dim; k++) mean[k] += a[o + k];
  }
  const n = rows + cols;
  for (let k = 0; k < dim; k++) mean[k] /= n;
  return { x, z, rows, cols, dim, mean, precision };
}
