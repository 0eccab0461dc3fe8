/**
 * EDM2's weight normalisation with its scale, in TypeScript for the wasm engine: w [fanIn, cols] (row-major),
 * y = s w / (eps + |w_col| / sqrt(fanIn)) per column. Same loop order as @flow/native's colNormalize (rows
 * outer, a running sum per column), accumulated in float64.
 */
export function colNormalize(w: Float32Array, fanIn: number, eps: number, s: number, y: Float32Array): void {
  const cols = w.length / fanIn;
  const invSqrtN = 1 / Math.sqrt(fanIn);
  const k = new Float64Array(cols);
  for (let i = 0, o = 0; i < fanIn; i++) for (let j = 0; j < cols; j++, o++) k[j] += w[o] * w[o];
  for (let j = 0; j < cols; j++) k[j] = s / (eps + Math.sqrt(k[j]) * invSqrtN);
  for (let i = 0, o = 0; i < fanIn; i++) for (let j = 0; j < cols; j++, o++) y[o] = w[o] * k[j];
}
