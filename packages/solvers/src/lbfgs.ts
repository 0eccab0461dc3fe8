/** The objective an optimiser step sees: its value and gradient at a point (float64). */
export type Objective = (x: Float64Array) => { value: number; grad: Float64Array };

/**
 * Limited-memory BFGS for a few dozen parameters with a backtracking (Armijo) line search. One `step()` is
 * one iteration; the caller decides when to stop (validation-based early stopping in Bespoke training), so
 * there is no convergence test here beyond reporting when no descent step can be found.
 */
export class Lbfgs {
  private x: Float64Array;
  private value: number;
  private grad: Float64Array;
  private readonly s: Float64Array[] = [];
  private readonly y: Float64Array[] = [];
  /** Objective evaluations so far (line-search trials included). */
  evaluations = 1;

  constructor(
    private readonly f: Objective,
    x0: Float64Array,
    private readonly memory = 10,
  ) {
    this.x = x0.slice();
    const r = f(this.x);
    this.value = r.value;
    this.grad = r.grad;
  }

  get point(): Float64Array {
    return this.x.slice();
  }

  get loss(): number {
    return this.value;
  }

  /** One iteration; returns false when no step lowers the objective (converged or stuck). */
  step(): boolean {
    const g = this.grad;
    let d = this.direction(g);
    let slope = dot(d, g);
    if (!(slope < 0)) {
      // not a descent direction (curvature pairs gone stale): restart from steepest descent
      this.s.length = 0;
      this.y.length = 0;
      d = g.map((q) => -q);
      slope = -dot(g, g);
    }
    if (!(slope < 0)) return false;
    // the first iteration has no curvature information: cap the step at 0.1 per coordinate
    let alpha = this.s.length === 0 ? Math.min(1, 0.1 / Math.max(1e-12, maxAbs(d))) : 1;
    for (let trial = 0; trial < 30; trial++) {
      const xn = this.x.map((q, i) => q + alpha * d[i]);
      const r = this.f(xn);
      this.evaluations++;
      if (Number.isFinite(r.value) && r.grad.every(Number.isFinite) && r.value <= this.value + 1e-4 * alpha * slope) {
        const sk = xn.map((q, i) => q - this.x[i]);
        const yk = r.grad.map((q, i) => q - g[i]);
        // keep the pair only when it carries positive curvature (keeps the inverse Hessian positive definite)
        if (dot(sk, yk) > 1e-12 * Math.sqrt(dot(sk, sk) * dot(yk, yk))) {
          this.s.push(sk);
          this.y.push(yk);
          if (this.s.length > this.memory) {
            this.s.shift();
            this.y.shift();
          }
        }
        this.x = xn;
        this.value = r.value;
        this.grad = r.grad;
        return true;
      }
      alpha *= 0.5;
    }
    return false;
  }

  /** Two-loop recursion: -H g with the stored curvature pairs. */
  private direction(g: Float64Array): Float64Array {
    const q = g.slice();
    const k = this.s.length;
    const a = new Float64Array(k);
    for (let i = k - 1; i >= 0; i--) {
      a[i] = dot(this.s[i], q) / dot(this.y[i], this.s[i]);
      for (let j = 0; j < q.length; j++) q[j] -= a[i] * this.y[i][j];
    }
    if (k > 0) {
      const gamma = dot(this.s[k - 1], this.y[k - 1]) / dot(this.y[k - 1], this.y[k - 1]);
      for (let j = 0; j < q.length; j++) q[j] *= gamma;
    }
    for (let i = 0; i < k; i++) {
      const b = dot(this.y[i], q) / dot(this.y[i], this.s[i]);
      for (let j = 0; j < q.length; j++) q[j] += (a[i] - b) * this.s[i][j];
    }
    return q.map((v) => -v);
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
