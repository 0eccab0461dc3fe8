/** Centred float32 copy of `n` rows of `a` (into `out` when given) and their squared norms in float64. */
export function centreRows(a: Float32Array | Float64Array, n: number, dim: number, mean: Float64Array, norms: Float64Array, out = new Float32Array(n * dim)): Float32Array {
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = (out[o + k] = a[o + k]! - mean[k]!);
      s += v * v;
    }
    norms[i] = s;
  }
  return out;
}

/** Turns dot products `c` (rows x cols) into |x|^2 + |z|^2 - 2 x.z in place, clamped at 0 (NaN stays NaN). */
export function dotsToDistances(c: Float32Array, rows: number, cols: number, nx: Float64Array, nz: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    const ni = nx[i]!;
    for (let j = 0; j < cols; j++) {
      const v = ni + nz[j]! - 2 * c[o + j]!;
      c[o + j] = v > 0 ? v : v === v ? 0 : v;
    }
  }
}
