/** EDM2's normalize over the last axis (rows of `c` values): y = x / (eps + |x| / sqrt(c)), one pass per row. */
export function rowNormalize(x: Float32Array, c: number, eps: number, y: Float32Array): void {
  const invSqrtC = 1 / Math.sqrt(c);
  for (let o = 0; o < x.length; o += c) {
    let ss = 0;
    for (let j = o; j < o + c; j++) ss += x[j] * x[j];
    const invD = 1 / (eps + Math.sqrt(ss) * invSqrtC);
    for (let j = o; j < o + c; j++) y[j] = x[j] * invD;
  }
}
