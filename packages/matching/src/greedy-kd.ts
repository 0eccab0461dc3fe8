import type { RealArray } from './validate';

const LEAF = 16;

/**
 * DANSM's greedy rule for low-dimensional rows through a k-d tree over the noise rows: each data row in order
 * takes the nearest noise row not yet used, ties to the lowest index. Distances are the same float64 sums of
 * squared differences (in the same order) as the linear scan of `greedyMatchStream`, and a subtree is skipped
 * only when its split-plane bound is strictly larger than the best distance so far, so the result is
 * identical to that scan; each query costs about log(cols) instead of cols. Used rows are counted out of
 * their subtrees so empty ones are never entered. Memory: O(cols x dim).
 */
export function greedyMatchKd(x: RealArray, z: RealArray, rows: number, cols: number, dim: number): Int32Array {
  const perm = new Int32Array(cols);
  for (let j = 0; j < cols; j++) perm[j] = j;
  // Leaves hold 8 to 16 rows (a split halves more than 16), so there are fewer than cols / 4 + 2 nodes.
  const maxNodes = Math.ceil(cols / 2) + 2;
  const lo = new Int32Array(maxNodes);
  const hi = new Int32Array(maxNodes);
  const left = new Int32Array(maxNodes).fill(-1);
  const right = new Int32Array(maxNodes).fill(-1);
  const parent = new Int32Array(maxNodes).fill(-1);
  const splitDim = new Int32Array(maxNodes);
  const splitVal = new Float64Array(maxNodes);
  const alive = new Int32Array(maxNodes);
  let nodes = 0;

  const coord = (j: number, c: number): number => z[j * dim + c]!;
  const build = (a: number, b: number, up: number): number => {
    const id = nodes++;
    lo[id] = a;
    hi[id] = b;
    parent[id] = up;
    alive[id] = b - a;
    if (b - a <= LEAF) return id;
    let s = 0;
    let spread = -1;
    for (let c = 0; c < dim; c++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let p = a; p < b; p++) {
        const v = coord(perm[p]!, c);
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      if (mx - mn > spread) {
        spread = mx - mn;
        s = c;
      }
    }
    const mid = (a + b) >>> 1;
    select(perm, a, b, mid, (j) => coord(j, s));
    splitDim[id] = s;
    splitVal[id] = coord(perm[mid]!, s);
    left[id] = build(a, mid, id);
    right[id] = build(mid, b, id);
    return id;
  };
  build(0, cols, -1);

  // Noise rows in tree order (float64, contiguous per leaf) and the leaf that holds each position.
  const packed = new Float64Array(cols * dim);
  const leafOf = new Int32Array(cols);
  for (let p = 0; p < cols; p++) for (let c = 0; c < dim; c++) packed[p * dim + c] = coord(perm[p]!, c);
  for (let id = 0; id < nodes; id++) if (left[id]! < 0) for (let p = lo[id]!; p < hi[id]!; p++) leafOf[p] = id;
  const usedAt = new Uint8Array(cols);
  const xr = new Float64Array(dim);
  let bestD = Infinity;
  let bestIdx = cols;
  let bestPos = -1;

  const search = (id: number): void => {
    if (alive[id] === 0) return;
    if (left[id]! < 0) {
      for (let p = lo[id]!; p < hi[id]!; p++) {
        if (usedAt[p]) continue;
        let d = 0;
        for (let c = 0; c < dim; c++) {
          const t = xr[c]! - packed[p * dim + c]!;
          d += t * t;
        }
        const j = perm[p]!;
        if (d < bestD || (d === bestD && j < bestIdx)) {
          bestD = d;
          bestIdx = j;
          bestPos = p;
        }
      }
      return;
    }
    const diff = xr[splitDim[id]!]! - splitVal[id]!;
    const [near, far] = diff <= 0 ? [left[id]!, right[id]!] : [right[id]!, left[id]!];
    search(near);
    // Every row beyond the plane is at least diff^2 away (rounding is monotone); equal may still win on index.
    if (diff * diff <= bestD) search(far);
  };

  const out = new Int32Array(rows).fill(-1);
  for (let r = 0; r < Math.min(rows, cols); r++) {
    for (let c = 0; c < dim; c++) xr[c] = x[r * dim + c]!;
    bestD = Infinity;
    bestIdx = cols;
    bestPos = -1;
    search(0);
    out[r] = bestIdx;
    usedAt[bestPos] = 1;
    for (let id = leafOf[bestPos]!; id >= 0; id = parent[id]!) alive[id]!--;
  }
  return out;
}

/** Reorders perm[a, b) so that perm[k] holds the k-th smallest key, smaller keys before it and larger after. */
function select(perm: Int32Array, a: number, b: number, k: number, key: (j: number) => number): void {
  let l = a;
  let r = b - 1;
  while (l < r) {
    const pivot = key(perm[(l + r) >>> 1]!);
    let i = l;
    let j = r;
    while (i <= j) {
      while (key(perm[i]!) < pivot) i++;
      while (key(perm[j]!) > pivot) j--;
      if (i <= j) {
        const t = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}
