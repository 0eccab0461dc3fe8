import * as tf from '@tensorflow/tfjs-core';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam with explicit first/second moment variables, so its whole state can be checkpointed and restored
 * exactly (tfjs' own optimiser hides the step count inside its bias-correction accumulators).
 * Bias corrections are computed in float64 on the host and passed in as scalars.
 */
export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly m: Record<string, tf.Variable> = {};
  readonly v: Record<string, tf.Variable> = {};

  constructor(
    readonly variables: Record<string, tf.Variable>,
    options: AdamOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-8;
    for (const [name, variable] of Object.entries(variables)) {
      this.m[name] = tf.variable(tf.zerosLike(variable), false, `adam-m.${name}.${uniq()}`);
      this.v[name] = tf.variable(tf.zerosLike(variable), false, `adam-v.${name}.${uniq()}`);
    }
  }

  /** One update with learning rate `lr`; `step` is the 1-based update count (for the bias corrections). */
  apply(grads: Record<string, tf.Tensor>, lr: number, step: number): void {
    const c1 = 1 - Math.pow(this.beta1, step);
    const c2 = 1 - Math.pow(this.beta2, step);
    // lr_t = lr * sqrt(c2) / c1, eps scaled to match the textbook form eps / sqrt(c2)
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    const eps = this.epsilon * Math.sqrt(c2);
    tf.tidy(() => {
      const b1 = tf.scalar(this.beta1);
      const b2 = tf.scalar(this.beta2);
      const ob1 = tf.scalar(1 - this.beta1);
      const ob2 = tf.scalar(1 - this.beta2);
      const s = tf.scalar(stepSize);
      const e = tf.scalar(eps);
      for (const name of Object.keys(this.variables)) {
        const g = grads[name];
        if (!g) continue;
        const m = tf.add(tf.mul(b1, this.m[name]), tf.mul(ob1, g));
        const v = tf.add(tf.mul(b2, this.v[name]), tf.mul(ob2, tf.square(g)));
        this.m[name].assign(m);
        this.v[name].assign(v);
        const p = this.variables[name];
        p.assign(tf.sub(p, tf.mul(s, tf.div(m, tf.add(tf.sqrt(v), e)))));
      }
    });
  }

  dispose(): void {
    for (const t of [...Object.values(this.m), ...Object.values(this.v)]) t.dispose();
  }
}

let counter = 0;
function uniq(): number {
  return counter++;
}
