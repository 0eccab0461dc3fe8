import { colLogSumExp, rowLogSumExp } from './log-sum-exp';

/** Largest |log-scaling| kept outside the cached kernel before it is rebuilt (e^50 ~ 5e21: no overflow, no precision lost). */
const TAU = 50;
/** Row / column sums below this are recomputed exactly in the log domain (the cached kernel lost them to underflow). */
const TINY = 1e-200;

/**
 * Row and column log-sum-exp of (h - C) / reg for the Sinkhorn-type iterations, as matrix-vector products with
 * a cached, stabilised kernel K_ij = exp(alpha_i + beta_j - C_ij / reg) (Schmitzer's absorption): with
 * v_j = exp(g_j - beta_j), LSE_j(g_j - C_ij / reg) = log (K v)_i - alpha_i. The potentials alpha, beta are
 * absorbed into K again whenever the scalings leave [e^-50, e^50], so nothing overflows, and any sum that
 * underflowed anyway is recomputed exactly, so the results equal the plain log-domain ones (to float64
 * rounding) at any reg, for a multiply-add per entry instead of an exp.
 */
export class KernelCache {
  private readonly kernel: Float64Array;
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;
  private readonly scal: Float64Array;
  private readonly work: Float64Array;
  private stale = true;
  /** Kernel rebuilds and exact fall-backs so far (for tests and curiosity). */
  rebuilds = 0;
  fallbacks = 0;

  constructor(
    private readonly cost: ArrayLike<number>,
    private readonly n: number,
    private readonly m: number,
    private readonly reg: number,
  ) {
    this.kernel = new Float64Array(n * m);
    this.alpha = new Float64Array(n);
    this.beta = new Float64Array(m);
    this.scal = new Float64Array(Math.max(n, m));
    this.work = new Float64Array(m);
  }

  private rebuild(): void {
    const { n, m, cost, kernel, alpha, beta } = this;
    const inv = 1 / this.reg;
    for (let i = 0; i < n; i++) {
      const o = i * m;
      const a = alpha[i]!;
      for (let j = 0; j < m; j++) kernel[o + j] = Math.exp(a + beta[j]! - cost[o + j]! * inv);
    }
    this.stale = false;
    this.rebuilds++;
  }

  /** out[i] = log sum_j exp(g_j - C_ij / reg). */
  rowLse(g: Float64Array, out: Float64Array): Float64Array {
    const { n, m, kernel, alpha, beta, scal } = this;
    let far = this.stale;
    for (let j = 0; j < m && !far; j++) if (Math.abs(g[j]! - beta[j]!) > TAU) far = true;
    if (far) {
      beta.set(g.subarray(0, m));
      this.rebuild();
    }
    for (let j = 0; j < m; j++) scal[j] = Math.exp(g[j]! - beta[j]!);
    for (let i = 0; i < n; i++) {
      const o = i * m;
      let s = 0;
      for (let j = 0; j < m; j++) s += kernel[o + j]! * scal[j]!;
      out[i] = s > TINY && s < Infinity ? Math.log(s) - alpha[i]! : this.exactRow(g, i);
    }
    return out;
  }

  /** out[j] = log sum_i exp(f_i - C_ij / reg). */
  colLse(f: Float64Array, out: Float64Array): Float64Array {
    const { n, m, kernel, alpha, beta, scal } = this;
    let far = this.stale;
    for (let i = 0; i < n && !far; i++) if (Math.abs(f[i]! - alpha[i]!) > TAU) far = true;
    if (far) {
      alpha.set(f.subarray(0, n));
      this.rebuild();
    }
    for (let i = 0; i < n; i++) scal[i] = Math.exp(f[i]! - alpha[i]!);
    out.fill(0, 0, m);
    for (let i = 0; i < n; i++) {
      const o = i * m;
      const u = scal[i]!;
      for (let j = 0; j < m; j++) out[j] += kernel[o + j]! * u;
    }
    let bad = false;
    for (let j = 0; j < m; j++) {
      const s = out[j]!;
      if (s > TINY && s < Infinity) out[j] = Math.log(s) - beta[j]!;
      else {
        out[j] = NaN;
        bad = true;
      }
    }
    if (bad) {
      // Columns the kernel lost to underflow: one exact pass over the matrix fills them in.
      const exact = colLogSumExp(this.cost, n, m, this.reg, f, new Float64Array(m), this.work);
      for (let j = 0; j < m; j++) if (Number.isNaN(out[j]!)) out[j] = exact[j]!;
      this.fallbacks++;
      this.stale = true;
    }
    return out;
  }

  private exactRow(g: Float64Array, i: number): number {
    this.fallbacks++;
    this.stale = true; // the next call absorbs the current potentials
    const row = this.cost instanceof Float64Array ? this.cost.subarray(i * this.m, (i + 1) * this.m) : Array.prototype.slice.call(this.cost, i * this.m, (i + 1) * this.m);
    const out = new Float64Array(1);
    rowLogSumExp(row as ArrayLike<number>, 1, this.m, this.reg, g, out);
    return out[0]!;
  }
}
