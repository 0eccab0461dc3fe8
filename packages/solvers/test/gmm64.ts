import type { GaussianMixtureSpec } from '../src/gaussian-mixture-flow';

/** Float64 transcription of the closed-form GMM velocity (the test oracle for orders beyond float32 noise). */
export function velocity64(spec: GaussianMixtureSpec, x: Float64Array, n: number, t: number): Float64Array {
  const { weights, means, stds } = spec;
  const K = weights.length;
  const d = means[0].length;
  const out = new Float64Array(n * d);
  const lw = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      const v = t * t * stds[k] ** 2 + (1 - t) ** 2;
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (x[i * d + j] - t * means[k][j]) ** 2;
      lw[k] = Math.log(weights[k]) - 0.5 * d * Math.log(v) - sq / (2 * v);
    }
    const m = Math.max(...lw);
    let s = 0;
    for (let k = 0; k < K; k++) s += (lw[k] = Math.exp(lw[k] - m));
    for (let k = 0; k < K; k++) {
      const w = lw[k] / s;
      const v = t * t * stds[k] ** 2 + (1 - t) ** 2;
      const c = (t * stds[k] ** 2 - (1 - t)) / v;
      for (let j = 0; j < d; j++) out[i * d + j] += w * (means[k][j] + c * (x[i * d + j] - t * means[k][j]));
    }
  }
  return out;
}

/** Classical RK4 in float64 with many steps: the exact endpoint for smooth test flows. */
export function endpoint64(spec: GaussianMixtureSpec, x0: ArrayLike<number>, n: number, steps = 2000): Float64Array {
  let x = Float64Array.from(x0);
  const h = 1 / steps;
  const axpy = (a: Float64Array, s: number, b: Float64Array) => a.map((q, i) => q + s * b[i]);
  for (let i = 0; i < steps; i++) {
    const t = i * h;
    const k1 = velocity64(spec, x, n, t);
    const k2 = velocity64(spec, axpy(x, h / 2, k1), n, t + h / 2);
    const k3 = velocity64(spec, axpy(x, h / 2, k2), n, t + h / 2);
    const k4 = velocity64(spec, axpy(x, h, k3), n, t + h);
    x = x.map((q, j) => q + (h / 6) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]));
  }
  return x;
}
