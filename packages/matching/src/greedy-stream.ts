import { greedyMatchKd } from './greedy-kd';
import type { RealArray } from './validate';

/** Up to this many columns a k-d tree prunes well; beyond it the blocked scan is as fast. */
export const KD_TREE_MAX_DIM = 8;

export interface GreedyStreamOptions {
  /** Data rows whose candidate lists are built in one pass over the unused noise (default 256). */
  blockRows?: number;
  /** Nearest unused noise rows remembered per data row (default 16). */
  candidates?: number;
  /** `tree`: a k-d tree over the noise; `scan`: blocked linear scans; `auto` (default): tree for dim <= 8. Same result. */
  method?: 'auto' | 'tree' | 'scan';
}

/** Bytes `greedyMatchStream` allocates besides its inputs and its Int32Array result, for a budget check. */
export function greedyStreamBytes(rows: number, cols: number, dim: number, opts: GreedyStreamOptions = {}): number {
  const block = Math.min(rows, opts.blockRows ?? 256);
  const k = opts.candidates ?? 16;
  // Scan: packed unused noise (float64) + its indices + the used flags + candidate distances and indices.
  const scan = cols * dim * 8 + cols * 4 + cols + block * k * 12 + rows * 4;
  // Tree: packed noise + permutation + leaf of each row + used flags + about cols / 2 nodes of 37 bytes.
  const tree = cols * dim * 8 + cols * 9 + Math.ceil(cols / 2 + 2) * 37 + rows * 4;
  return Math.max(scan, tree);
}

/**
 * DANSM's greedy rule without a rows x cols matrix: data rows in order each take the nearest noise row not
 * yet used (ties: the lowest index, as numpy's argmin), with squared distances summed in float64 from the
 * differences. Memory is O((rows + cols) x dim + blockRows x candidates).
 *
 * Rows go in blocks: one pass over the noise still unused at the block's start keeps each row's
 * `candidates` nearest in (distance, index) order. A row then takes its first candidate not taken earlier in
 * the block, which is the nearest unused row; only when all its candidates were taken is it rescanned.
 * `x` is rows x dim, `z` is cols x dim (cols >= rows), row-major. Returns the noise index per data row.
 */
export function greedyMatchStream(x: RealArray, z: RealArray, rows: number, cols: number, dim: number, opts: GreedyStreamOptions = {}): Int32Array {
  const method = opts.method ?? 'auto';
  if (method === 'tree' || (method === 'auto' && dim <= KD_TREE_MAX_DIM)) return greedyMatchKd(x, z, rows, cols, dim);
  const blockRows = Math.max(1, Math.min(rows, opts.blockRows ?? 256));
  const k = Math.max(1, opts.candidates ?? 16);
  const used = new Uint8Array(cols);
  const packed = new Float64Array(cols * dim);
  const packedIdx = new Int32Array(cols);
  const candD = new Float64Array(blockRows * k);
  const candI = new Int32Array(blockRows * k);
  const candN = new Int32Array(blockRows);
  const out = new Int32Array(rows).fill(-1);
  const xr = new Float64Array(dim);
  for (let b0 = 0; b0 < rows; b0 += blockRows) {
    const b1 = Math.min(rows, b0 + blockRows);
    // Pack the unused noise rows in index order, so scans are contiguous and keep index order for ties.
    let m = 0;
    for (let j = 0; j < cols; j++) {
      if (used[j]) continue;
      for (let c = 0; c < dim; c++) packed[m * dim + c] = z[j * dim + c]!;
      packedIdx[m++] = j;
    }
    if (m === 0) break;
    for (let r = b0; r < b1; r++) {
      const base = (r - b0) * k;
      for (let c = 0; c < dim; c++) xr[c] = x[r * dim + c]!;
      let n = 0;
      let worst = Infinity;
      for (let p = 0; p < m; p++) {
        let d = 0;
        const o = p * dim;
        for (let c = 0; c < dim; c++) {
          const t = xr[c]! - packed[o + c]!;
          d += t * t;
        }
        if (!(d < worst)) continue;
        // Insert after every entry with a distance <= d: an equal distance keeps the lower index first.
        let q = n < k ? n++ : k - 1;
        while (q > 0 && candD[base + q - 1]! > d) {
          candD[base + q] = candD[base + q - 1]!;
          candI[base + q] = candI[base + q - 1]!;
          q--;
        }
        candD[base + q] = d;
        candI[base + q] = packedIdx[p]!;
        if (n === k) worst = candD[base + k - 1]!;
      }
      candN[r - b0] = n;
    }
    for (let r = b0; r < b1; r++) {
      const base = (r - b0) * k;
      const n = candN[r - b0]!;
      let arg = -1;
      for (let q = 0; q < n; q++) {
        if (!used[candI[base + q]!]) {
          arg = candI[base + q]!;
          break;
        }
      }
      // Every remembered candidate was taken earlier in this block: scan what is unused now.
      if (arg < 0 && n === k) arg = nearestUnused(x, r, packed, packedIdx, m, dim, used);
      // Only non-finite distances are left: the first unused row, as an argmin over infinities would.
      if (arg < 0) arg = firstUnused(used);
      if (arg < 0) return out;
      used[arg] = 1;
      out[r] = arg;
    }
  }
  return out;
}

function nearestUnused(x: RealArray, r: number, packed: Float64Array, packedIdx: Int32Array, m: number, dim: number, used: Uint8Array): number {
  let best = Infinity;
  let arg = -1;
  for (let p = 0; p < m; p++) {
    if (used[packedIdx[p]!]) continue;
    let d = 0;
    for (let c = 0; c < dim; c++) {
      const t = x[r * dim + c]! - packed[p * dim + c]!;
      d += t * t;
    }
    if (d < best) {
      best = d;
      arg = packedIdx[p]!;
    }
  }
  return arg;
}

function firstUnused(used: Uint8Array): number {
  for (let j = 0; j < used.length; j++) if (!used[j]) return j;
  return -1;
}
