import type { Objective } from './lbfgs';

/** Full-batch Adam (float64 moments) with the same step()/point/loss shape as Lbfgs. */
export class Adam {
  private x: Float64Array;
  private value: number;
  private grad: Float64Array;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  evaluations = 1;

  constructor(
    private readonly f: Objective,
    x0: Float64Array,
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
  ) {
    this.x = x0.slice();
    const r = f(this.x);
    this.value = r.value;
    this.grad = r.grad;
    this.m = new Float64Array(x0.length);
    this.v = new Float64Array(x0.length);
  }

  get point(): Float64Array {
    return this.x.slice();
  }

  get loss(): number {
    return this.value;
  }

  /** One Adam step from the current gradient, then the objective at the new point. */
  step(): boolean {
    this.t++;
    const c1 = 1 - Math.pow(this.beta1, this.t);
    const c2 = 1 - Math.pow(this.beta2, this.t);
    const next = this.x.slice();
    for (let j = 0; j < next.length; j++) {
      const g = this.grad[j];
      this.m[j] = this.beta1 * this.m[j] + (1 - this.beta1) * g;
      this.v[j] = this.beta2 * this.v[j] + (1 - this.beta2) * g * g;
      next[j] -= (this.learningRate * (this.m[j] / c1)) / (Math.sqrt(this.v[j] / c2) + 1e-8);
    }
    const r = this.f(next);
    this.evaluations++;
    this.x = next;
    this.value = r.value;
    this.grad = r.grad;
    return Number.isFinite(r.value);
  }
}
