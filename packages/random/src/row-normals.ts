import { Rng } from './rng';

const TWO_POW_32 = 4294967296;

/**
 * Standard normals for rows [firstRow, firstRow + rows) of a (count x dim) noise matrix, row-major into
 * `out` (length rows * dim). Row r comes from its own stream, `new Rng(seed).fork(r)`: a counter-based
 * draw keyed by the row index, so any slice of rows is bit-identical whichever process (or shard, or batch)
 * draws it.
 */
export function fillRowNormals<T extends Float32Array | Float64Array>(out: T, seed: number, firstRow: number, dim: number): T {
  if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`fillRowNormals: dim must be a positive integer, got ${dim}`);
  if (out.length % dim !== 0) throw new RangeError(`fillRowNormals: ${out.length} values is not a whole number of rows of ${dim}`);
  const rows = out.length / dim;
  if (!Number.isInteger(firstRow) || firstRow < 0 || firstRow + rows > TWO_POW_32) {
    throw new RangeError(`fillRowNormals: rows must lie in [0, 2^32), got [${firstRow}, ${firstRow + rows})`);
  }
  const base = new Rng(seed);
  for (let r = 0; r < rows; r++) {
    const rng = base.fork(firstRow + r);
    const o = r * dim;
    for (let j = 0; j < dim; j++) out[o + j] = rng.normal();
  }
  return out;
}
