import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { registerGradients } from '@flow/runtime';
import { type BespokeBase, BespokeSolver, coefficientTensors, coefficientsOf, selectionMatrix, type BespokeTensors } from './bespoke-solver';
import { dopri5 } from './dopri5';
import { STAGES } from './fixed-step';
import { SolverInputError } from './solver-input-error';
import type { VelocityField } from './velocity-field';

export interface BespokeTrainOptions {
  base: BespokeBase;
  /** Velocity evaluations of the trained solver: n for euler (RK1-BES), 2n for midpoint (RK2-BES). */
  nfe: number;
  /** Shape of one sample (default [dim]). */
  shape: number[];
  /** Adam iterations (default 200). */
  iterations?: number;
  /** Fresh noise samples per iteration (default 64). */
  batch?: number;
  /** Adam learning rate (default 5e-3). */
  learningRate?: number;
  seed?: number;
  /** Ground-truth dopri5 tolerances (default 1e-5). */
  rtol?: number;
  atol?: number;
  /** Start from these parameters instead of the base solver. */
  init?: BespokeSolver;
  onIteration?: (info: { iteration: number; loss: number; seconds: number }) => void;
}

export interface BespokeTrainResult {
  solver: BespokeSolver;
  /** Loss of the base solver (the initial parameters) on the first batch. */
  initialLoss: number;
  /** Mean loss over the last tenth of the iterations. */
  finalLoss: number;
  losses: number[];
  seconds: number;
  /** Velocity evaluations spent on ground truth (dopri5) and on the loss. */
  groundTruthNfe: number;
  settings: { iterations: number; batch: number; learningRate: number; seed: number; rtol: number; atol: number };
}

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
 * Trains a Bespoke solver for one model: every iteration draws fresh noise, solves the ground truth with
 * dopri5 at the current times t_0..t_n, and takes one Adam step on the RMSE bound. Starts from the base
 * solver (or `init`).
 */
export function trainBespoke(v: VelocityField, options: BespokeTrainOptions): BespokeTrainResult {
  const { base } = options;
  if (base !== 'euler' && base !== 'midpoint') throw new SolverInputError(`bespoke: base must be euler or midpoint, got '${String(base)}'`);
  const stages = STAGES[base];
  if (!Number.isInteger(options.nfe) || options.nfe < stages || options.nfe % stages !== 0) {
    throw new SolverInputError(`bespoke: nfe must be a positive multiple of ${stages} for base ${base}, got ${options.nfe}`);
  }
  const n = options.nfe / stages;
  const iterations = options.iterations ?? 200;
  const batch = options.batch ?? 64;
  const learningRate = options.learningRate ?? 5e-3;
  const seed = options.seed ?? 0;
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-5;
  if (!Number.isInteger(iterations) || iterations < 0) throw new SolverInputError(`bespoke: iterations must be an integer >= 0, got ${iterations}`);
  if (!Number.isInteger(batch) || batch < 1) throw new SolverInputError(`bespoke: batch (train samples) must be a positive integer, got ${batch}`);
  const shape = options.shape;
  const sampleSize = shape.reduce((a, b) => a * b, 1);
  const init = options.init ?? new BespokeSolver(base, n);
  if (init.base !== base || init.steps !== n) throw new SolverInputError('bespoke: init solver has another base or step count');
  const stride = base === 'euler' ? 1 : 2;
  // tfjs-core registers no gradients in Node; @flow/runtime provides the rules (kept if already present)
  registerGradients();

  const makeVar = (values: number[]) => {
    const init = tf.tensor1d(values);
    const v = tf.variable(init) as tf.Variable<tf.Rank.R1>;
    init.dispose();
    return v;
  };
  const vars = { tLogits: makeVar(init.params.tLogits), logDt: makeVar(init.params.logDt), logS: makeVar(init.params.logS), ds: makeVar(init.params.ds) };
  const readParams = () => ({
    tLogits: Array.from(vars.tLogits.dataSync()),
    logDt: Array.from(vars.logDt.dataSync()),
    logS: Array.from(vars.logS.dataSync()),
    ds: Array.from(vars.ds.dataSync()),
  });
  const optimizer = tf.train.adam(learningRate);
  const rng = new Rng(seed);
  const losses: number[] = [];
  let groundTruthNfe = 0;
  const start = performance.now();
  try {
    for (let it = 0; it < iterations; it++) {
      const coef = coefficientsOf(readParams());
      const times = Array.from({ length: n + 1 }, (_, i) => coef.t[stride * i]);
      const noise = rng.fillNormal(new Float32Array(batch * sampleSize));
      const x0 = tf.tensor(noise, [batch, ...shape]);
      const sol = dopri5(v, x0, { rtol, atol, saveAt: times });
      groundTruthNfe += sol.nfe;
      const gt = tf.unstack(sol.trajectory!);
      tf.dispose([x0, sol.x, sol.trajectory!]);
      const gtVel = gt.map((g, i) => (i === 0 || i === n ? g : tf.tidy(() => v(g, times[i]))));
      groundTruthNfe += n - 1;
      const { value, grads } = tf.variableGrads(() => bespokeLoss(v, base, n, coefficientTensors(vars), coef.t, gt, gtVel));
      const loss = value.dataSync()[0];
      if (!Number.isFinite(loss)) {
        tf.dispose([value, ...Object.values(grads), ...gt, ...gtVel.filter((q, i) => i !== 0 && i !== n)]);
        throw new Error(`bespoke: loss became ${loss} at iteration ${it} (try a smaller learning rate)`);
      }
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose([value, ...Object.values(grads), ...gt, ...gtVel.filter((_, i) => i !== 0 && i !== n)]);
      losses.push(loss);
      options.onIteration?.({ iteration: it, loss, seconds: (performance.now() - start) / 1000 });
    }
    const params = readParams();
    const solver = new BespokeSolver(base, n, params);
    const tail = losses.slice(Math.max(0, losses.length - Math.max(1, Math.ceil(losses.length / 10))));
    return {
      solver,
      initialLoss: losses[0] ?? NaN,
      finalLoss: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN,
      losses,
      seconds: (performance.now() - start) / 1000,
      groundTruthNfe,
      settings: { iterations, batch, learningRate, seed, rtol, atol },
    };
  } finally {
    optimizer.dispose();
    tf.dispose(Object.values(vars));
  }
}
