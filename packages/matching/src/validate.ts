import { MatchingInputError } from './errors';

export type RealArray = Float32Array | Float64Array;

/** Checks `a` holds `rows` x `dim` finite values; names the array and the first bad row. */
export function checkMatrix(name: string, a: RealArray, rows: number, dim: number): void {
  if (!Number.isInteger(rows) || rows <= 0) throw new MatchingInputError(`${name}: expected at least one row, got ${rows}`);
  if (!Number.isInteger(dim) || dim <= 0) throw new MatchingInputError(`${name}: expected a positive dimension, got ${dim}`);
  if (a.length !== rows * dim) {
    throw new MatchingInputError(`${name}: expected ${rows} x ${dim} = ${rows * dim} values, got ${a.length}`);
  }
  for (let k = 0; k < a.length; k++) {
    const t = a[k]!;
    // t - t is NaN exactly when t is NaN or +-Infinity.
    if (t - t !== 0) {
      const row = Math.floor(k / dim);
      throw new MatchingInputError(`${name}: row ${row} holds a non-finite value (${t}) at column ${k - row * dim}`);
    }
  }
}

/** Checks a data/noise pair has the same shape. */
export function checkPair(x: RealArray, z: RealArray, rows: number, dim: number, names: [string, string] = ['data', 'noise']): void {
  if (x.length !== z.length) {
    throw new MatchingInputError(`${names[1]}: shape mismatch with ${names[0]} (${x.length} values vs ${z.length}; expected ${rows} x ${dim} each)`);
  }
  checkMatrix(names[0], x, rows, dim);
  checkMatrix(names[1], z, rows, dim);
}
