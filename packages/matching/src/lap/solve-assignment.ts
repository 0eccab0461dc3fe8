import { MatchingInputError } from '../errors';
import type { RealArray } from '../validate';

/** An optimal assignment of a dense square cost matrix, with the dual certificate. */
export interface AssignmentResult {
  /** rowToCol[i] = column given to row i (P[i]). */
  rowToCol: Int32Array;
  /** colToRow[j] = row given column j. */
  colToRow: Int32Array;
  /** Row duals: u[i] + v[j] <= C[i][j] for all i, j, with equality on the assignment. */
  u: Float64Array;
  /** Column duals. */
  v: Float64Array;
  /** Sum of C[i][P[i]], accumulated in float64. */
  total: number;
  stats: AssignmentStats;
}

export interface AssignmentStats {
  n: number;
  /** Rows left unassigned after column reduction + reduction transfer. */
  freeAfterColumnReduction: number;
  /** Rows left after the two augmenting row reduction passes. */
  freeAfterRowReduction: number;
  /** Row lookups made by the augmenting row reduction. */
  reductionScans: number;
  /** Of those, the ones that needed a full scan of the row (the rest were settled by the row's cached candidates). */
  reductionFullScans: number;
  /** Rows reached in the shortest augmenting path phase. */
  rowScans: number;
  /** Of those, the ones whose every column had to be relaxed (the rest were settled by their cached candidates). */
  augmentFullScans: number;
  secondsColumnReduction: number;
  secondsRowReduction: number;
  secondsAugment: number;
  seconds: number;
}

/**
 * Exact minimum-cost assignment of the dense n x n matrix `cost` (row-major), Jonker-Volgenant style:
 * column reduction, reduction transfer, two passes of augmenting row reduction, then Dijkstra shortest
 * augmenting paths for the rows still free. Duals are kept in float64 whatever the matrix precision, and
 * nothing is approximated (no epsilon), so the result is optimal for the matrix as given, up to float64
 * rounding of the dual arithmetic.
 */
export function solveAssignment(cost: RealArray, n: number): AssignmentResult {
  if (!Number.isInteger(n) || n <= 0) throw new MatchingInputError(`assignment: expected a positive size, got ${n}`);
  if (cost.length !== n * n) throw new MatchingInputError(`assignment: expected ${n} x ${n} = ${n * n} costs, got ${cost.length}`);
  const t0 = performance.now();
  const x = new Int32Array(n).fill(-1);
  const y = new Int32Array(n).fill(-1);
  const v = new Float64Array(n);
  const free = new Int32Array(n);
  let nFree = columnReduction(cost, n, x, y, v, free);
  const freeAfterColumnReduction = nFree;
  const t1 = performance.now();
  let reductionScans = 0;
  let fullScans = 0;
  const cache = new RowCache(cost, n, v);
  for (let pass = 0; pass < 2 && nFree > 0; pass++) {
    const r = augmentingRowReduction(cost, n, x, y, v, free, nFree, cache);
    nFree = r.nFree;
    reductionScans += r.scans;
  }
  const freeAfterRowReduction = nFree;
  fullScans = cache.fullScans;
  const t2 = performance.now();
  let rowScans = 0;
  let augmentFullScans = 0;
  if (nFree > 0) {
    if (n > CACHE_K + 1) {
      const r = augmentLazy(cost, n, x, y, v, free, nFree, cache);
      rowScans = r.rows;
      augmentFullScans = r.fullScans;
    } else {
      rowScans = augment(cost, n, x, y, v, free, nFree);
      augmentFullScans = rowScans;
    }
  }
  const t3 = performance.now();
  const u = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = cost[i * n + x[i]!]!;
    u[i] = c - v[x[i]!]!;
    total += c;
  }
  return {
    rowToCol: x,
    colToRow: y,
    u,
    v,
    total,
    stats: {
      n,
      freeAfterColumnReduction,
      freeAfterRowReduction,
      reductionScans,
      reductionFullScans: fullScans,
      rowScans,
      augmentFullScans,
      secondsColumnReduction: (t1 - t0) / 1000,
      secondsRowReduction: (t2 - t1) / 1000,
      secondsAugment: (t3 - t2) / 1000,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

/** Column minima (scanned row by row for cache order), greedy assignment of the minima, reduction transfer. */
function columnReduction(c: RealArray, n: number, x: Int32Array, y: Int32Array, v: Float64Array, free: Int32Array): number {
  const arg = new Int32Array(n);
  v.fill(Infinity);
  for (let i = 0; i < n; i++) {
    const base = i * n;
    for (let j = 0; j < n; j++) {
      const cij = c[base + j]!;
      if (cij < v[j]!) {
        v[j] = cij;
        arg[j] = i;
      }
    }
  }
  const matches = new Int32Array(n);
  // Reverse column order as in Jonker & Volgenant: a row that is the minimum of several columns keeps the last seen.
  for (let j = n - 1; j >= 0; j--) {
    const i = arg[j]!;
    if (matches[i]++ === 0) {
      x[i] = j;
      y[j] = i;
    }
  }
  let nFree = 0;
  for (let i = 0; i < n; i++) {
    if (matches[i] === 0) {
      free[nFree++] = i;
    } else if (matches[i] === 1) {
      // Reduction transfer: lower v[j1] as far as row i's second-best column allows.
      const j1 = x[i]!;
      const base = i * n;
      let mu = Infinity;
      for (let j = 0; j < n; j++) {
        if (j === j1) continue;
        const h = c[base + j]! - v[j]!;
        if (h < mu) mu = h;
      }
      if (mu < Infinity) v[j1] = v[j1]! - mu;
    }
  }
  return nFree;
}

/** One pass of augmenting row reduction; returns the number of rows still free (written to the front of `free`). */
function augmentingRowReduction(c: RealArray, n: number, x: Int32Array, y: Int32Array, v: Float64Array, free: Int32Array, nFree: number, cache: RowCache): { nFree: number; scans: number } {
  let current = 0;
  let newFree = 0;
  let rrCount = 0;
  while (current < nFree) {
    rrCount++;
    const i = free[current++]!;
    const base = i * n;
    // Best and second-best reduced column of row i (from the row's cached candidates when they prove it).
    cache.best2(i);
    let u1 = cache.u1;
    let j1 = cache.j1;
    const u2 = cache.u2;
    const j2 = cache.j2;
    let i0 = y[j1]!;
    const lowered = u2 < Infinity ? v[j1]! - (u2 - u1) : v[j1]!;
    const lowers = lowered < v[j1]!;
    if (rrCount < current * n) {
      if (lowers) {
        v[j1] = lowered;
      } else if (i0 >= 0 && j2 >= 0) {
        j1 = j2;
        i0 = y[j2]!;
      }
      if (i0 >= 0) {
        if (lowers) free[--current] = i0;
        else free[newFree++] = i0;
      }
    } else if (i0 >= 0) {
      free[newFree++] = i0;
    }
    x[i] = j1;
    y[j1] = i;
    if (i0 >= 0) x[i0] = -1;
  }
  return { nFree: newFree, scans: rrCount };
}

/** Dijkstra shortest augmenting paths for each free row; returns the number of row scans. */
function augment(c: RealArray, n: number, x: Int32Array, y: Int32Array, v: Float64Array, free: Int32Array, nFree: number): number {
  const d = new Float64Array(n);
  const dd = new Float64Array(n);
  const pred = new Int32Array(n);
  const done = new Int32Array(n);
  // w = v for open columns, -Infinity for columns already settled in this search (so they never improve).
  const w = Float64Array.from(v);
  let scans = 0;
  for (let f = 0; f < nFree; f++) {
    const s = free[f]!;
    d.fill(Infinity);
    let i = s;
    let h = 0;
    let nDone = 0;
    let minVal = Infinity;
    let jmin = -1;
    for (;;) {
      scans++;
      const base = i * n;
      minVal = Infinity;
      jmin = -1;
      for (let k = 0; k < n; k++) {
        let dk = d[k]!;
        const r = c[base + k]! - w[k]! + h;
        if (r < dk) {
          d[k] = r;
          pred[k] = i;
          dk = r;
        }
        if (dk < minVal) {
          minVal = dk;
          jmin = k;
        }
      }
      if (jmin < 0) throw new Error('assignment: no augmenting path (non-finite costs?)');
      const next = y[jmin]!;
      if (next < 0) break;
      dd[jmin] = minVal;
      done[nDone++] = jmin;
      h = minVal - (c[next * n + jmin]! - w[jmin]!);
      w[jmin] = -Infinity;
      d[jmin] = Infinity;
      i = next;
    }
    for (let t = 0; t < nDone; t++) {
      const j = done[t]!;
      v[j] = v[j]! + dd[j]! - minVal;
      w[j] = v[j]!;
    }
    let j = jmin;
    for (;;) {
      const r = pred[j]!;
      y[j] = r;
      const prev = x[r]!;
      x[r] = j;
      j = prev;
      if (r === s) break;
    }
  }
  return scans;
}

const CACHE_K = 16;

/**
 * Per-row candidate lists for the row reduction. Column duals v only ever decrease in every phase of the
 * algorithm, so a reduced cost c[i][j] - v[j] only grows. After a full scan of row i we keep its K smallest
 * reduced columns and the (K+1)-th value as a lower bound for all the others; later, if the best two of the
 * K recomputed candidates are still within that bound, they are the row's true best two, without a scan.
 */
class RowCache {
  u1 = 0;
  j1 = 0;
  u2 = 0;
  j2 = -1;
  fullScans = 0;
  readonly idx: Int32Array;
  readonly thr: Float64Array;
  private readonly bufV = new Float64Array(CACHE_K + 1);
  private readonly bufJ = new Int32Array(CACHE_K + 1);

  constructor(
    private readonly c: RealArray,
    private readonly n: number,
    private readonly v: Float64Array,
  ) {
    this.idx = new Int32Array(n * CACHE_K);
    this.thr = new Float64Array(n).fill(-Infinity);
  }

  best2(i: number): void {
    const { c, n, v, idx } = this;
    const base = i * n;
    if (n > CACHE_K + 1 && this.thr[i]! > -Infinity) {
      let u1 = Infinity;
      let j1 = -1;
      let u2 = Infinity;
      let j2 = -1;
      const o = i * CACHE_K;
      for (let t = 0; t < CACHE_K; t++) {
        const j = idx[o + t]!;
        const h = c[base + j]! - v[j]!;
        if (h < u2) {
          if (h >= u1) {
            u2 = h;
            j2 = j;
          } else {
            u2 = u1;
            j2 = j1;
            u1 = h;
            j1 = j;
          }
        }
      }
      if (u2 <= this.thr[i]!) {
        this.u1 = u1;
        this.j1 = j1;
        this.u2 = u2;
        this.j2 = j2;
        return;
      }
    }
    this.fullScan(i);
  }

  fullScan(i: number): void {
    this.fullScans++;
    const { c, n, v, bufV, bufJ } = this;
    const base = i * n;
    const K1 = Math.min(CACHE_K + 1, n);
    bufV.fill(Infinity);
    bufJ.fill(-1);
    let worst = Infinity;
    for (let j = 0; j < n; j++) {
      const h = c[base + j]! - v[j]!;
      if (h < worst) {
        // Insert into the sorted buffer of the K+1 smallest.
        let p = K1 - 1;
        while (p > 0 && bufV[p - 1]! > h) {
          bufV[p] = bufV[p - 1]!;
          bufJ[p] = bufJ[p - 1]!;
          p--;
        }
        bufV[p] = h;
        bufJ[p] = j;
        worst = bufV[K1 - 1]!;
      }
    }
    this.u1 = bufV[0]!;
    this.j1 = bufJ[0]!;
    this.u2 = n > 1 ? bufV[1]! : Infinity;
    this.j2 = n > 1 ? bufJ[1]! : -1;
    if (n > CACHE_K + 1) {
      const o = i * CACHE_K;
      for (let t = 0; t < CACHE_K; t++) this.idx[o + t] = bufJ[t]!;
      this.thr[i] = bufV[CACHE_K]!;
    }
  }
}

/** Binary min-heap of (key, id) pairs with lazy deletion. */
class MinHeap {
  keys = new Float64Array(1024);
  ids = new Int32Array(1024);
  size = 0;

  clear(): void {
    this.size = 0;
  }

  push(key: number, id: number): void {
    if (this.size === this.keys.length) {
      const k = new Float64Array(this.size * 2);
      k.set(this.keys);
      this.keys = k;
      const d = new Int32Array(this.size * 2);
      d.set(this.ids);
      this.ids = d;
    }
    const keys = this.keys;
    const ids = this.ids;
    let p = this.size++;
    while (p > 0) {
      const q = (p - 1) >> 1;
      if (keys[q]! <= key) break;
      keys[p] = keys[q]!;
      ids[p] = ids[q]!;
      p = q;
    }
    keys[p] = key;
    ids[p] = id;
  }

  /** Removes the smallest entry; its key and id are left in topKey / topId. */
  topKey = 0;
  topId = 0;
  pop(): void {
    const keys = this.keys;
    const ids = this.ids;
    this.topKey = keys[0]!;
    this.topId = ids[0]!;
    const n = --this.size;
    if (n === 0) return;
    const key = keys[n]!;
    const id = ids[n]!;
    let p = 0;
    for (;;) {
      let q = 2 * p + 1;
      if (q >= n) break;
      if (q + 1 < n && keys[q + 1]! < keys[q]!) q++;
      if (keys[q]! >= key) break;
      keys[p] = keys[q]!;
      ids[p] = ids[q]!;
      p = q;
    }
    keys[p] = key;
    ids[p] = id;
  }
}

/**
 * Shortest augmenting paths where a reached row first relaxes only its cached candidate columns and leaves
 * a deferred entry keyed by the lower bound of all its other columns; the row is fully relaxed only if the
 * search reaches that bound. Exact: a column is settled only when no deferred bound is below its distance.
 */
function augmentLazy(c: RealArray, n: number, x: Int32Array, y: Int32Array, v: Float64Array, free: Int32Array, nFree: number, cache: RowCache): { rows: number; fullScans: number } {
  const d = new Float64Array(n).fill(Infinity);
  const dd = new Float64Array(n);
  const pred = new Int32Array(n);
  const isDone = new Uint8Array(n);
  const done = new Int32Array(n);
  const touched = new Int32Array(n);
  const hRow = new Float64Array(n);
  const heap = new MinHeap();
  const { idx, thr } = cache;
  let rows = 0;
  let fullScans = 0;
  for (let f = 0; f < nFree; f++) {
    const s = free[f]!;
    heap.clear();
    let nDone = 0;
    let nTouched = 0;
    /** Relaxes row `row`'s cached candidate columns from path length `h`. */
    const relaxCandidates = (row: number, h: number): void => {
      const base = row * n;
      const o = row * CACHE_K;
      for (let t = 0; t < CACHE_K; t++) {
        const k = idx[o + t]!;
        if (isDone[k]) continue;
        const r = c[base + k]! - v[k]! + h;
        if (r < d[k]!) {
          if (d[k] === Infinity) touched[nTouched++] = k;
          d[k] = r;
          pred[k] = row;
          heap.push(r, k);
        }
      }
    };
    let i = s;
    let h = 0;
    let minVal = 0;
    let jmin = -1;
    for (;;) {
      // Reach row i at offset h: relax its candidates, defer the rest behind the row's bound.
      rows++;
      if (thr[i]! === -Infinity) cache.fullScan(i);
      hRow[i] = h;
      relaxCandidates(i, h);
      heap.push(h + thr[i]!, -1 - i);
      // Settle the nearest column, fully relaxing any row whose bound comes first.
      for (;;) {
        heap.pop();
        const id = heap.topId;
        const key = heap.topKey;
        if (id < 0) {
          const r0 = -1 - id;
          fullScans++;
          const b0 = r0 * n;
          const h0 = hRow[r0]!;
          // The cached bound may be stale (reduced costs only grow): refresh the row's candidates first, and
          // relax only those if the fresh bound moves past this key.
          cache.fullScan(r0);
          if (h0 + thr[r0]! > key) {
            relaxCandidates(r0, h0);
            heap.push(h0 + thr[r0]!, id);
            continue;
          }
          for (let k = 0; k < n; k++) {
            if (isDone[k]) continue;
            const r = c[b0 + k]! - v[k]! + h0;
            if (r < d[k]!) {
              if (d[k] === Infinity) touched[nTouched++] = k;
              d[k] = r;
              pred[k] = r0;
              heap.push(r, k);
            }
          }
          continue;
        }
        if (isDone[id] || key !== d[id]) continue;
        minVal = key;
        jmin = id;
        break;
      }
      const next = y[jmin]!;
      if (next < 0) break;
      isDone[jmin] = 1;
      dd[jmin] = minVal;
      done[nDone++] = jmin;
      h = minVal - (c[next * n + jmin]! - v[jmin]!);
      i = next;
    }
    for (let t = 0; t < nDone; t++) {
      const j = done[t]!;
      v[j] = v[j]! + dd[j]! - minVal;
      isDone[j] = 0;
    }
    for (let t = 0; t < nTouched; t++) d[touched[t]!] = Infinity;
    let j = jmin;
    for (;;) {
      const r = pred[j]!;
      y[j] = r;
      const prev = x[r]!;
      x[r] = j;
      j = prev;
      if (r === s) break;
    }
  }
  return { rows, fullScans };
}
