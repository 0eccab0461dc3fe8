/** The gradient of rowNormalize: dx = dy / d - x (dy . x) / (d^2 |x| sqrt(c)), d = eps + |x| / sqrt(c), per row. */
export function rowNormalizeGrad(x: Float32Array, dy: Float32Array, c: number, eps: number, dx: Float32Array): void {
  const invSqrtC = 1 / Math.sqrt(c);
  for (let o = 0; o < x.length; o += c) {
    let ss = 0;
    let dot = 0;
    for (let j = o; j < o + c; j++) {
      ss += x[j] * x[j];
      dot += dy[j] * x[j];
    }
    const norm = Math.sqrt(ss);
    const invD = 1 / (eps + norm * invSqrtC);
    const k = norm > 0 ? (dot * invD * invD * invSqrtC) / norm : 0;
    for (let j = o; j < o + c; j++) dx[j] = dy[j] * invD - x[j] * k;
  }
}
