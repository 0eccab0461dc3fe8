/**
 * Row and column log-sum-exp of (h - C) / reg over a dense row-major n x m cost, in float64. Two passes (max,
 * then sum of exp) so no term overflows or underflows to a zero sum, whatever reg: this is what keeps the
 * log-domain Sinkhorn iterations stable at small epsilon.
 */

/** out[i] = log sum_j exp(scale_j - C_ij / reg), scale_j given in log units. */
export function rowLogSumExp(cost: ArrayLike<number>, n: number, m: number, reg: number, colLog: Float64Array, out: Float64Array): Float64Array {
  const inv = 1 / reg;
  for (let i = 0; i < n; i++) {
    const o = i * m;
    let mx = -Infinity;
    for (let j = 0; j < m; j++) {
      const t = colLog[j]! - cost[o + j]! * inv;
      if (t > mx) mx = t;
    }
    let s = 0;
    for (let j = 0; j < m; j++) s += Math.exp(colLog[j]! - cost[o + j]! * inv - mx);
    out[i] = mx + Math.log(s);
  }
  return out;
}

/** out[j] = log sum_i exp(rowLog_i - C_ij / reg); traverses the matrix row by row (cache friendly). */
export function colLogSumExp(cost: ArrayLike<number>, n: number, m: number, reg: number, rowLog: Float64Array, out: Float64Array, work: Float64Array): Float64Array {
  const inv = 1 / reg;
  const mx = work;
  mx.fill(-Infinity, 0, m);
  for (let i = 0; i < n; i++) {
    const o = i * m;
    const r = rowLog[i]!;
    for (let j = 0; j < m; j++) {
      const t = r - cost[o + j]! * inv;
      if (t > mx[j]!) mx[j] = t;
    }
  }
  out.fill(0, 0, m);
  for (let i = 0; i < n; i++) {
    const o = i * m;
    const r = rowLog[i]!;
    for (let j = 0; j < m; j++) out[j] += Math.exp(r - cost[o + j]! * inv - mx[j]!);
  }
  for (let j = 0; j < m; j++) out[j] = mx[j]! + Math.log(out[j]!);
  return out;
}

/** log sum_k exp(v_k). */
export function logSumExp(v: ArrayLike<number>): number {
  let mx = -Infinity;
  for (let k = 0; k < v.length; k++) if (v[k]! > mx) mx = v[k]!;
  if (mx === -Infinity) return mx;
  let s = 0;
  for (let k = 0; k < v.length; k++) s += Math.exp(v[k]! - mx);
  return mx + Math.log(s);
}
