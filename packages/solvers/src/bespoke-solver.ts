import * as tf from '@tensorflow/tfjs-core';
import { SolverInputError } from './solver-input-error';
import type { VelocityField } from './velocity-field';

/** The base solver a Bespoke solver generalises: RK1-BES (euler) or RK2-BES (midpoint). */
export type BespokeBase = 'euler' | 'midpoint';

/**
 * Raw, unconstrained parameters of a Bespoke solver (Shaul et al., ICLR 2024) on a grid of M + 1 points
 * r_j = j / M (M = n for RK1, 2n for RK2, where the odd points are the midpoints r_{i+1/2}):
 * - t_j = cumsum(softplus(tLogits))_j / sum(softplus(tLogits)), so 0 = t_0 < t_1 < ... < t_M = 1;
 * - t'_j = exp(logDt_j) > 0 for j < M;
 * - s_0 = 1, s_j = exp(logS_{j-1}) > 0 for j >= 1;
 * - s'_j = ds_j (any sign) for j < M.
 * That is 4M numbers with 4M - 1 degrees of freedom (the softplus logits share one overall scale).
 */
export interface BespokeRawParams {
  tLogits: number[];
  logDt: number[];
  logS: number[];
  ds: number[];
}

/** The transform on the grid points (float64): t, t' and s, s' at r_j = j / M. */
export interface BespokeCoefficients {
  t: number[]; // M + 1
  dt: number[]; // M
  s: number[]; // M + 1
  ds: number[]; // M
}

const SOFTPLUS_INV_1 = Math.log(Math.E - 1);

export function bespokeGridSize(base: BespokeBase, steps: number): number {
  return base === 'euler' ? steps : 2 * steps;
}

/** Effective parameter count: 4n - 1 for RK1-BES, 8n - 1 for RK2-BES. */
export function bespokeParameterCount(base: BespokeBase, steps: number): number {
  return 4 * bespokeGridSize(base, steps) - 1;
}

/** Parameters that reproduce the base solver exactly: t uniform, t' = 1, s = 1, s' = 0. */
export function identityParams(base: BespokeBase, steps: number): BespokeRawParams {
  const M = bespokeGridSize(base, steps);
  return { tLogits: new Array(M).fill(SOFTPLUS_INV_1), logDt: new Array(M).fill(0), logS: new Array(M).fill(0), ds: new Array(M).fill(0) };
}

const softplus = (a: number) => (a > 30 ? a : Math.log1p(Math.exp(a)));

export function coefficientsOf(p: BespokeRawParams): BespokeCoefficients {
  const M = p.tLogits.length;
  const t = [0];
  let acc = 0;
  const sp = p.tLogits.map(softplus);
  const total = sp.reduce((a, b) => a + b, 0);
  for (let j = 0; j < M; j++) {
    acc += sp[j];
    t.push(j === M - 1 ? 1 : acc / total);
  }
  return { t, dt: p.logDt.map(Math.exp), s: [1, ...p.logS.map(Math.exp)], ds: p.ds.slice() };
}

/** Coefficients as tensors of the trainable variables (inside a gradient tape). */
export interface BespokeTensors {
  t: tf.Tensor1D; // M + 1
  dt: tf.Tensor1D; // M
  s: tf.Tensor1D; // M + 1
  ds: tf.Tensor1D; // M
}

/** A constant 0/1 matrix whose product with a vector picks entries `rows[i]` (a gather with a matmul gradient). */
export function selectionMatrix(rows: readonly number[], length: number): tf.Tensor2D {
  const m = new Float32Array(rows.length * length);
  rows.forEach((r, i) => {
    m[i * length + r] = 1;
  });
  return tf.tensor2d(m, [rows.length, length]);
}

/**
 * Coefficients as tensors of the trainable variables (inside a gradient tape). Uses only kernels whose
 * gradients @flow/runtime registers (the cumulative sum is a product with a triangular matrix).
 */
export function coefficientTensors(v: { tLogits: tf.Tensor1D; logDt: tf.Tensor1D; logS: tf.Tensor1D; ds: tf.Tensor1D }): BespokeTensors {
  const M = v.tLogits.shape[0];
  const sp = tf.reshape(tf.softplus(v.tLogits), [M, 1]);
  const lower = tf.linalg.bandPart(tf.ones([M, M]), -1, 0);
  const cum = tf.reshape(tf.div(tf.matMul(lower, sp), tf.sum(sp)), [M]);
  const t = tf.concat([tf.zeros([1]), cum]) as tf.Tensor1D;
  return { t, dt: tf.exp(v.logDt), s: tf.concat([tf.ones([1]), tf.exp(v.logS)]) as tf.Tensor1D, ds: v.ds };
}

/**
 * A trained (or identity) Bespoke solver with n steps: n evaluations (RK1-BES) or 2n (RK2-BES).
 * Sampling steps uniformly in r with h = 1 / n through the scale-time transformed field
 *   u_bar_r(y) = (s'_r / s_r) y + t'_r s_r u_{t_r}(y / s_r),   y = s_r x(t_r),
 * and maps back at every step, so states are always in the model's own coordinates.
 */
export class BespokeSolver {
  readonly base: BespokeBase;
  readonly steps: number;
  readonly params: BespokeRawParams;

  constructor(base: BespokeBase, steps: number, params?: BespokeRawParams) {
    if (base !== 'euler' && base !== 'midpoint') throw new SolverInputError(`bespoke: base must be euler or midpoint, got '${String(base)}'`);
    if (!Number.isInteger(steps) || steps < 1) throw new SolverInputError(`bespoke: steps must be a positive integer, got ${steps}`);
    this.base = base;
    this.steps = steps;
    const M = bespokeGridSize(base, steps);
    const p = params ?? identityParams(base, steps);
    for (const key of ['tLogits', 'logDt', 'logS', 'ds'] as const) {
      const arr = p[key];
      if (!Array.isArray(arr) || arr.length !== M || !arr.every((q) => typeof q === 'number' && Number.isFinite(q))) {
        throw new SolverInputError(`bespoke: parameter '${key}' must be ${M} finite numbers for ${base} with ${steps} steps`);
      }
    }
    this.params = { tLogits: p.tLogits.slice(), logDt: p.logDt.slice(), logS: p.logS.slice(), ds: p.ds.slice() };
  }

  /** Velocity evaluations per solve. */
  get nfe(): number {
    return this.base === 'euler' ? this.steps : 2 * this.steps;
  }

  get parameterCount(): number {
    return bespokeParameterCount(this.base, this.steps);
  }

  coefficients(): BespokeCoefficients {
    return coefficientsOf(this.params);
  }

  /** Integrates from t = 0 to t = 1; returns the final state and (optionally) the states at t_0..t_n. */
  solve(v: VelocityField, x0: tf.Tensor, opts: { trajectory?: boolean } = {}): { x: tf.Tensor; nfe: number; times: number[]; trajectory?: tf.Tensor } {
    const c = this.coefficients();
    const h = 1 / this.steps;
    const stride = this.base === 'euler' ? 1 : 2;
    const saved: tf.Tensor[] = opts.trajectory ? [tf.clone(x0)] : [];
    let x = x0;
    for (let i = 0; i < this.steps; i++) {
      const j = stride * i;
      const next = tf.tidy(() => {
        if (this.base === 'euler') {
          return tf.add(tf.mul((c.s[j] + h * c.ds[j]) / c.s[j + 1], x), tf.mul((h * c.dt[j] * c.s[j]) / c.s[j + 1], v(x, c.t[j])));
        }
        const m = j + 1;
        const z = tf.add(tf.mul(c.s[j] + (h / 2) * c.ds[j], x), tf.mul((h / 2) * c.s[j] * c.dt[j], v(x, c.t[j])));
        const um = v(tf.div(z, c.s[m]), c.t[m]);
        const inner = tf.add(tf.mul(c.ds[m] / c.s[m], z), tf.mul(c.dt[m] * c.s[m], um));
        return tf.add(tf.mul(c.s[j] / c.s[j + 2], x), tf.mul(h / c.s[j + 2], inner));
      });
      if (x !== x0 && !opts.trajectory) x.dispose();
      x = next;
      if (opts.trajectory) saved.push(x);
    }
    const times = Array.from({ length: this.steps + 1 }, (_, i) => c.t[stride * i]);
    const out: { x: tf.Tensor; nfe: number; times: number[]; trajectory?: tf.Tensor } = { x, nfe: this.nfe, times };
    if (opts.trajectory) {
      out.trajectory = tf.stack(saved);
      tf.dispose(saved.slice(0, -1));
    }
    return out;
  }
}
