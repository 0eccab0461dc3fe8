import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { SolverInputError } from './solver-input-error';
import type { VelocityField, VelocityModel } from './velocity-field';

/** An isotropic Gaussian mixture sum_k pi_k N(mu_k, s_k^2 I), the spec format of fixtures/gmm-flow. */
export interface GaussianMixtureSpec {
  weights: number[];
  means: number[][];
  stds: number[];
}

/**
 * The exact rectified-flow (CondOT) velocity toward an isotropic Gaussian mixture, from noise N(0, I) at
 * t = 0 to the mixture at t = 1, with x_t = (1 - t) x0 + t x1:
 *   sigma_k^2(t) = t^2 s_k^2 + (1 - t)^2
 *   u_k(x, t)    = mu_k + (t s_k^2 - (1 - t)) / sigma_k^2(t) * (x - t mu_k)
 *   w_k(x, t)    ∝ pi_k sigma_k(t)^(-d) exp(-|x - t mu_k|^2 / (2 sigma_k^2(t)))
 *   u(x, t)      = sum_k w_k u_k
 * Built from differentiable tfjs ops; the weights are a log-sum-exp-normalised softmax, and
 * sum_k w_k u_k is computed as two matrix products, (w * (1 - t c)) M + (sum_k w_k c_k) x, so no
 * batch x K x d tensor is ever formed.
 */
export class GaussianMixtureFlow implements VelocityModel {
  readonly dim: number;
  readonly components: number;
  readonly identity: string;
  readonly spec: GaussianMixtureSpec;
  private readonly means: tf.Tensor2D; // K x d
  private readonly logPi: tf.Tensor2D; // 1 x K
  private readonly s2: tf.Tensor2D; // 1 x K
  private readonly meanSq: tf.Tensor2D; // 1 x K

  constructor(spec: GaussianMixtureSpec, source = 'spec') {
    this.spec = validateSpec(spec, source);
    const K = spec.weights.length;
    const d = spec.means[0].length;
    this.dim = d;
    this.components = K;
    this.identity = `gmm:sha256:${createHash('sha256').update(JSON.stringify(this.spec)).digest('hex').slice(0, 32)}`;
    const total = spec.weights.reduce((a, b) => a + b, 0);
    const flat = new Float32Array(K * d);
    const meanSq = new Float32Array(K);
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const m = spec.means[k][j];
        flat[k * d + j] = m;
        s += m * m;
      }
      meanSq[k] = s;
    }
    this.means = tf.keep(tf.tensor2d(flat, [K, d]));
    this.logPi = tf.keep(tf.tensor2d(spec.weights.map((w) => Math.log(w / total)), [1, K]));
    this.s2 = tf.keep(tf.tensor2d(spec.stds.map((s) => s * s), [1, K]));
    this.meanSq = tf.keep(tf.tensor2d(meanSq, [1, K]));
  }

  /** Reads a spec JSON file (`{ weights, means, stds }`). */
  static fromFile(path: string): GaussianMixtureFlow {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new SolverInputError(`${path}: cannot read a Gaussian-mixture spec (${(error as Error).message})`);
    }
    return new GaussianMixtureFlow(parsed as GaussianMixtureSpec, path);
  }

  readonly velocity: VelocityField = (x, t) =>
    tf.tidy(() => {
      const n = x.shape[0];
      const d = this.dim;
      if (x.size !== n * d) throw new SolverInputError(`GaussianMixtureFlow: x must have ${d} features per sample, got shape [${x.shape.join(', ')}]`);
      const xf = tf.reshape(x, [n, d]) as tf.Tensor2D;
      // tc: scalar or n x 1, so every per-component quantity broadcasts to 1 x K or n x K
      const tc: tf.Tensor = typeof t === 'number' ? tf.scalar(t) : tf.reshape(t, [n, 1]);
      const omt = tf.sub(1, tc);
      const variance = tf.add(tf.mul(tf.square(tc), this.s2), tf.square(omt));
      const xm = tf.matMul(xf, this.means, false, true);
      const xx = tf.sum(tf.square(xf), 1, true);
      // |x - t mu|^2 expanded; clamped at 0 against rounding
      const sq = tf.relu(tf.add(tf.sub(xx, tf.mul(tf.mul(2, tc), xm)), tf.mul(tf.square(tc), this.meanSq)));
      const logw = tf.sub(tf.sub(this.logPi, tf.mul(0.5 * d, tf.log(variance))), tf.div(sq, tf.mul(2, variance)));
      const w = tf.exp(tf.sub(logw, tf.logSumExp(logw, 1, true)));
      const coef = tf.div(tf.sub(tf.mul(tc, this.s2), omt), variance);
      const a = tf.mul(w, tf.sub(1, tf.mul(tc, coef)));
      const b = tf.sum(tf.mul(w, coef), 1, true);
      const u = tf.add(tf.matMul(a, this.means), tf.mul(b, xf));
      return tf.reshape(u, x.shape);
    });

  /**
   * The exact divergence (trace of the Jacobian) of `velocity` at (x, t), per sample, in closed form:
   * div u = d sum_k w_k c_k + sum_k w_k u_k . g_k - u . g_bar, with c_k = (t s_k^2 - (1 - t)) / sigma_k^2,
   * g_k = -(x - t mu_k) / sigma_k^2 the gradient of component k's log-density and g_bar = sum_k w_k g_k.
   * No autodiff and no finite differences, so the likelihood of an exact flow is as exact as its solve.
   */
  readonly divergence = (x: tf.Tensor, t: number): tf.Tensor1D =>
    tf.tidy(() => {
      const n = x.shape[0];
      const d = this.dim;
      if (x.size !== n * d) throw new SolverInputError(`GaussianMixtureFlow: x must have ${d} features per sample, got shape [${x.shape.join(', ')}]`);
      const xf = tf.reshape(x, [n, d]) as tf.Tensor2D;
      const omt = 1 - t;
      const variance = tf.add(tf.mul(t * t, this.s2), omt * omt);
      const xm = tf.matMul(xf, this.means, false, true);
      const xx = tf.sum(tf.square(xf), 1, true);
      const sq = tf.relu(tf.add(tf.sub(xx, tf.mul(2 * t, xm)), tf.mul(t * t, this.meanSq)));
      const logw = tf.sub(tf.sub(this.logPi, tf.mul(0.5 * d, tf.log(variance))), tf.div(sq, tf.mul(2, variance)));
      const w = tf.exp(tf.sub(logw, tf.logSumExp(logw, 1, true)));
      const coef = tf.div(tf.sub(tf.mul(t, this.s2), omt), variance);
      const u = tf.add(tf.matMul(tf.mul(w, tf.sub(1, tf.mul(t, coef))), this.means), tf.mul(tf.sum(tf.mul(w, coef), 1, true), xf));
      // u_k . g_k = -(mu_k . x - t |mu_k|^2 + c_k |x - t mu_k|^2) / sigma_k^2
      const ukgk = tf.neg(tf.div(tf.add(tf.sub(xm, tf.mul(t, this.meanSq)), tf.mul(coef, sq)), variance));
      const wOverVar = tf.div(w, variance);
      const gBar = tf.sub(tf.mul(t, tf.matMul(wOverVar, this.means)), tf.mul(tf.sum(wOverVar, 1, true), xf));
      const div = tf.add(tf.add(tf.mul(d, tf.sum(tf.mul(w, coef), 1)), tf.sum(tf.mul(w, ukgk), 1)), tf.neg(tf.sum(tf.mul(u, gBar), 1)));
      return div as tf.Tensor1D;
    });

  /** Draws n samples of the target mixture (row-major n x d), e.g. to compare generated samples with data. */
  sampleData(n: number, rng: { uniform(): number; normal(): number }): Float32Array {
    const { weights, means, stds } = this.spec;
    const total = weights.reduce((a, b) => a + b, 0);
    const out = new Float32Array(n * this.dim);
    for (let i = 0; i < n; i++) {
      let u = rng.uniform() * total;
      let k = 0;
      while (k < weights.length - 1 && u >= weights[k]) u -= weights[k++];
      for (let j = 0; j < this.dim; j++) out[i * this.dim + j] = means[k][j] + stds[k] * rng.normal();
    }
    return out;
  }

  dispose(): void {
    tf.dispose([this.means, this.logPi, this.s2, this.meanSq]);
  }
}

function validateSpec(spec: GaussianMixtureSpec, source: string): GaussianMixtureSpec {
  const fail = (what: string): never => {
    throw new SolverInputError(`${source}: Gaussian-mixture spec ${what}`);
  };
  if (typeof spec !== 'object' || spec === null) fail('must be an object { weights, means, stds }');
  const { weights, means, stds } = spec;
  if (!Array.isArray(weights) || weights.length === 0) fail('needs a non-empty array "weights"');
  const K = weights.length;
  if (!Array.isArray(means) || means.length !== K) fail(`needs "means" with ${K} rows (one per weight)`);
  if (!Array.isArray(stds) || stds.length !== K) fail(`needs "stds" with ${K} entries (one per weight)`);
  const d = Array.isArray(means[0]) ? means[0].length : 0;
  if (d === 0) fail('"means" rows must be non-empty arrays');
  weights.forEach((w, k) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0) fail(`"weights"[${k}] must be a positive number, got ${String(w)}`);
  });
  stds.forEach((s, k) => {
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) fail(`"stds"[${k}] must be a positive number, got ${String(s)}`);
  });
  means.forEach((row, k) => {
    if (!Array.isArray(row) || row.length !== d) fail(`"means"[${k}] must have ${d} entries`);
    row.forEach((m, j) => {
      if (typeof m !== 'number' || !Number.isFinite(m)) fail(`"means"[${k}][${j}] must be a finite number`);
    });
  });
  return { weights: weights.slice(), means: means.map((r) => r.slice()), stds: stds.slice() };
}
