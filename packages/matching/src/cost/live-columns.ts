/**
 * Which pool entries a pool kernel still packs, and where: the live entries fill columns 0..count-1 (in any
 * order). Retiring an entry moves the last live column into its place (swap-remove), so a retire costs one
 * column copy per entry and the GEMM runs over `count` columns only.
 */
export class LiveColumns {
  /** Column -> pool entry, for columns < count. */
  readonly index: Int32Array;
  /** Pool entry -> column, -1 once retired. */
  private readonly column: Int32Array;
  count: number;

  constructor(readonly size: number) {
    this.index = new Int32Array(size);
    this.column = new Int32Array(size);
    this.count = size;
    this.reset();
  }

  /** Every entry live, entry j in column j (as packed by a fresh `setPool`). */
  reset(): void {
    for (let j = 0; j < this.size; j++) this.index[j] = this.column[j] = j;
    this.count = this.size;
  }

  /** Retires the first `n` entries of `entries`; `move(from, to)` copies the packed data of column `from` to `to`. */
  retire(entries: Int32Array, n: number, move: (from: number, to: number) => void): void {
    for (let q = 0; q < n; q++) {
      const e = entries[q]!;
      if (!(e >= 0 && e < this.size)) continue;
      const j = this.column[e]!;
      if (j < 0) continue;
      const last = --this.count;
      if (j !== last) {
        move(last, j);
        const moved = this.index[last]!;
        this.index[j] = moved;
        this.column[moved] = j;
      }
      this.column[e] = -1;
    }
  }

  /** Writes the columns of live entries not flagged in `used` into `free`, in pool-index order (tie order); returns how many. */
  freeColumns(used: Uint8Array, free: Int32Array): number {
    let n = 0;
    for (let e = 0; e < this.size; e++) {
      const j = this.column[e]!;
      if (j >= 0 && !used[e]) free[n++] = j;
    }
    return n;
  }

  /** The live columns' pool entries (a view; valid until the next retire or reset). */
  live(): Int32Array {
    return this.index.subarray(0, this.count);
  }
}
