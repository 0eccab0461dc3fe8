/** The gradient of colNormalize: dw = s (dy / d - w (dy . w) / (d^2 |w| sqrt(fanIn))) per column, d = eps + |w| / sqrt(fanIn). */
export function colNormalizeGrad(w: Float32Array, dy: Float32Array, fanIn: number, eps: number, s: number, dw: Float32Array): void {
  const cols = w.length / fanIn;
  const invSqrtN = 1 / Math.sqrt(fanIn);
  const ss = new Float64Array(cols);
  const dot = new Float64Array(cols);
  for (let i = 0, o = 0; i < fanIn; i++)
    for (let j = 0; j < cols; j++, o++) {
      ss[j] += w[o] * w[o];
      dot[j] += dy[o] * w[o];
    }
  for (let j = 0; j < cols; j++) {
    const norm = Math.sqrt(ss[j]);
    const invD = 1 / (eps + norm * invSqrtN);
    dot[j] = norm > 0 ? (s * dot[j] * invD * invD * invSqrtN) / norm : 0;
    ss[j] = s * invD;
  }
  for (let i = 0, o = 0; i < fanIn; i++) for (let j = 0; j < cols; j++, o++) dw[o] = dy[o] * ss[j] - w[o] * dot[j];
}
