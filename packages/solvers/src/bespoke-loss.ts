import * as tf from '@tensorflow/tfjs-core';
import { type BespokeBase, type BespokeTensors, selectionMatrix } from './bespoke-solver';
import type { VelocityField } from './velocity-field';

/**
 * The paper's loss: the RMSE bound sum_i M_i d_i, where d_i is the RMSE between the ground-truth state
 * x(t_{i+1}) and one Bespoke step from the ground-truth x(t_i) (all n local steps in one batched call), and
 * M_i is the product of the Lipschitz factors L_j of the later steps (j > i).
 * `tValues` are the current grid times as numbers; `gt[i]` holds x(t_i) for the current times; `gtVel[i]` holds u(x(t_i), t_i) (constants), used to carry
 * the first-order dependence of x(t_i) on t_i into the gradient (dx(t)/dt = u).
 */
export function bespokeLoss(v: VelocityField, base: BespokeBase, n: number, c: BespokeTensors, tValues: readonly number[], gt: tf.Tensor[], gtVel: tf.Tensor[]): tf.Scalar {
  const h = 1 / n;
  const stride = base === 'euler' ? 1 : 2;
  const B = gt[0].shape[0];
  const rank = gt[0].rank;
  const sampleSize = gt[0].size / B;
  const len = c.t.shape[0]; // M + 1 (s has the same length; t' and s' have M)
  // pick(vec, offset)[i] = vec[stride * i + offset], as an [n, 1] column
  const pick = (vec: tf.Tensor1D, offset: number) => {
    const rows = Array.from({ length: n }, (_, i) => stride * i + offset);
    return tf.matMul(selectionMatrix(rows, vec.shape[0]), tf.reshape(vec, [vec.shape[0], 1]));
  };
  // [n, 1] -> broadcastable against [n, B, ...sample]
  const perStep = (col: tf.Tensor) => tf.reshape(col, [n, ...new Array<number>(rank).fill(1)]);
  const perSampleTime = (col: tf.Tensor) => tf.reshape(tf.mul(col, tf.ones([1, B])), [n * B]) as tf.Tensor1D;
  const tFixed = tf.tensor1d(tValues as number[]); // the same times as constants (no gradient)
  // x(t_i) with d/dt_i = u_i; exact in value, first-order in gradient
  const shift = tf.sub(c.t, tFixed);
  const corrected = (i: number) => {
    if (i === 0 || i === n) return gt[i];
    const dtI = tf.slice(shift, stride * i, 1);
    return tf.add(gt[i], tf.mul(tf.reshape(dtI, new Array<number>(rank).fill(1)), gtVel[i]));
  };
  const X = tf.stack(Array.from({ length: n }, (_, i) => corrected(i))); // [n, B, ...]
  const Y = tf.stack(Array.from({ length: n }, (_, i) => corrected(i + 1)));
  const flat = (q: tf.Tensor) => tf.reshape(q, [n * B, ...gt[0].shape.slice(1)]);
  const unflat = (q: tf.Tensor) => tf.reshape(q, X.shape);
  const U = unflat(v(flat(X), perSampleTime(pick(c.t, 0))));
  const sJ = perStep(pick(c.s, 0));
  const dsJ = perStep(pick(c.ds, 0));
  const dtJ = perStep(pick(c.dt, 0));
  let next: tf.Tensor;
  if (base === 'euler') {
    const sN = perStep(pick(c.s, 1));
    next = tf.div(tf.add(tf.mul(tf.add(sJ, tf.mul(h, dsJ)), X), tf.mul(tf.mul(h, tf.mul(dtJ, sJ)), U)), sN);
  } else {
    const sM = perStep(pick(c.s, 1));
    const dsM = perStep(pick(c.ds, 1));
    const dtM = perStep(pick(c.dt, 1));
    // s has length 2n + 1: the entry at stride * i + 2 exists for every step
    const sN = perStep(tf.matMul(selectionMatrix(Array.from({ length: n }, (_, i) => 2 * i + 2), len), tf.reshape(c.s, [len, 1])));
    const Z = tf.add(tf.mul(tf.add(sJ, tf.mul(h / 2, dsJ)), X), tf.mul(tf.mul(h / 2, tf.mul(sJ, dtJ)), U));
    const Um = unflat(v(flat(tf.div(Z, sM)), perSampleTime(pick(c.t, 1))));
    const inner = tf.add(tf.mul(tf.div(dsM, sM), Z), tf.mul(tf.mul(dtM, sM), Um));
    next = tf.add(tf.mul(tf.div(sJ, sN), X), tf.mul(tf.div(h, sN), inner));
  }
  const diff = tf.reshape(tf.sub(next, Y), [n, B, sampleSize]);
  const d = tf.mean(tf.sqrt(tf.add(tf.mean(tf.square(diff), 2), 1e-20)), 1); // [n]
  // Lipschitz factors of the steps (L_tau = 1): L_u = |s'| / s + t'
  const Lu = (offset: number) => tf.add(tf.div(tf.abs(pick(c.ds, offset)), pick(c.s, offset)), pick(c.dt, offset));
  const ratio = base === 'euler' ? tf.div(pick(c.s, 0), pick(c.s, 1)) : tf.div(pick(c.s, 0), tf.matMul(selectionMatrix(Array.from({ length: n }, (_, i) => 2 * i + 2), len), tf.reshape(c.s, [len, 1])));
  const L = tf.reshape(
    base === 'euler' ? tf.mul(ratio, tf.add(1, tf.mul(h, Lu(0)))) : tf.mul(ratio, tf.add(1, tf.mul(tf.mul(h, Lu(1)), tf.add(1, tf.mul(h / 2, Lu(0)))))),
    [n],
  );
  // M_i = prod_{j > i} L_j = exp(sum_{j > i} log L_j), the sum as a product with a strictly upper-triangular matrix
  const upper = tf.sub(tf.linalg.bandPart(tf.ones([n, n]), 0, -1), tf.eye(n));
  const weights = tf.exp(tf.reshape(tf.matMul(upper, tf.reshape(tf.log(L), [n, 1])), [n]));
  return tf.sum(tf.mul(weights, d)) as tf.Scalar;
}

/**
 * The global loss the RMSE bound stands in for (the paper's L_RMSE): run the whole n-step Bespoke solver from
 * x(0) with gradients through every step and take the RMSE against the ground-truth endpoint x(1) over the
 * batch (the figure the benchmarks report). Sequential (n steps deep) where the bound is parallel; for models as small as the
 * ones here that costs nothing extra, and it optimises the quantity that is measured.
 */
export function bespokeGlobalLoss(v: VelocityField, base: BespokeBase, n: number, c: BespokeTensors, x0: tf.Tensor, x1: tf.Tensor): tf.Scalar {
  const h = 1 / n;
  const B = x0.shape[0];
  const t = tf.unstack(c.t);
  const s = tf.unstack(c.s);
  const dt = tf.unstack(c.dt);
  const ds = tf.unstack(c.ds);
  const ones = tf.ones([B]);
  const at = (q: tf.Tensor) => tf.mul(q, ones) as tf.Tensor1D; // per-sample time, so d/dt flows
  let x = x0;
  for (let i = 0; i < n; i++) {
    if (base === 'euler') {
      const u = v(x, at(t[i]));
      x = tf.div(tf.add(tf.mul(tf.add(s[i], tf.mul(h, ds[i])), x), tf.mul(tf.mul(h, tf.mul(dt[i], s[i])), u)), s[i + 1]);
    } else {
      const j = 2 * i;
      const m = j + 1;
      const u = v(x, at(t[j]));
      const z = tf.add(tf.mul(tf.add(s[j], tf.mul(h / 2, ds[j])), x), tf.mul(tf.mul(h / 2, tf.mul(s[j], dt[j])), u));
      const um = v(tf.div(z, s[m]), at(t[m]));
      const inner = tf.add(tf.mul(tf.div(ds[m], s[m]), z), tf.mul(tf.mul(dt[m], s[m]), um));
      x = tf.add(tf.mul(tf.div(s[j], s[j + 2]), x), tf.mul(tf.div(h, s[j + 2]), inner));
    }
  }
  return tf.sqrt(tf.add(tf.mean(tf.square(tf.sub(x, x1))), 1e-20)) as tf.Scalar;
}

/** Learning rate of iteration `it` (0-based) of `iterations` under the schedule. */
export function bespokeLearningRate(it: number, iterations: number, peak: number, schedule: 'cosine' | 'constant', finalFraction: number): number {
  if (schedule === 'constant' || iterations <= 1) return peak;
  const q = Math.min(1, Math.max(0, it / (iterations - 1)));
  return peak * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * q)));
}

