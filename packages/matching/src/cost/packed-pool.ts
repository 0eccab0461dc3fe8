import { LiveColumns } from './live-columns';

/**
 * The pool as the flat (row-major) pool kernels keep it: centred rows, their squared norms and which entries
 * are still live. Retiring an entry moves the last live row (and its norm) into its place (swap-remove).
 */
export class PackedPool {
  readonly rows: Float32Array<ArrayBuffer>;
  readonly norms: Float64Array<ArrayBuffer>;
  readonly live: LiveColumns;
  private readonly move = (from: number, to: number): void => {
    this.rows.copyWithin(to * this.dim, from * this.dim, (from + 1) * this.dim);
    this.norms[to] = this.norms[from]!;
  };

  constructor(
    private readonly name: string,
    readonly cols: number,
    readonly dim: number,
    private readonly maxRows: number,
  ) {
    this.rows = new Float32Array(cols * dim);
    this.norms = new Float64Array(cols);
    this.live = new LiveColumns(cols);
  }

  /** Throws unless `src` holds the whole pool (cols x dim). */
  checkPool(src: Float32Array): void {
    if (src.length !== this.cols * this.dim) throw new Error(`${this.name}: pool has ${src.length} values, expected ${this.cols} x ${this.dim}`);
  }

  /** Throws unless `x` holds `rows` (1..maxRows) rows of dim values. */
  checkRows(x: Float32Array, rows: number): void {
    if (!(rows >= 1 && rows <= this.maxRows) || x.length < rows * this.dim) {
      throw new Error(`${this.name}: expected 1..${this.maxRows} rows of ${this.dim} values, got ${rows} rows in ${x.length} values`);
    }
  }

  retire(indices: Int32Array, count: number): void {
    this.live.retire(indices, count, this.move);
  }
}
