import { TSNE } from '@saehrimnir/druidjs';

/**
 * 2-D coordinates for n rows of `dim` values: the rows themselves when dim is 2, else a seeded t-SNE
 * embedding (druid.js, exact gradient) of all rows together, so data and noise share one map.
 */
export function embed2d(rows: Float32Array | Float64Array, n: number, dim: number, options: { seed: number; perplexity: number; iterations: number }): Float64Array {
  const out = new Float64Array(n * 2);
  if (dim === 2) {
    for (let i = 0; i < 2 * n; i++) out[i] = rows[i]!;
    return out;
  }
  const X: Float64Array[] = [];
  for (let i = 0; i < n; i++) X.push(Float64Array.from(rows.subarray(i * dim, (i + 1) * dim)));
  const perplexity = Math.max(2, Math.min(options.perplexity, Math.floor((n - 1) / 3)));
  const Y = new TSNE(X, { perplexity, d: 2, seed: options.seed }).transform(options.iterations) as Float64Array[];
  for (let i = 0; i < n; i++) {
    out[2 * i] = Y[i]![0]!;
    out[2 * i + 1] = Y[i]![1]!;
  }
  return out;
}
