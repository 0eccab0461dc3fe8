import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { registerGradients } from '@flow/runtime';
import { type BespokeBase, type BespokeRawParams, BespokeSolver, coefficientTensors, coefficientsOf, selectionMatrix, type BespokeTensors } from './bespoke-solver';
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
  /** Peak Adam learning rate (default 5e-2). */
  learningRate?: number;
  /**
   * Learning-rate schedule over the iterations (default 'cosine'): cosine decay from `learningRate` to
   * `learningRate * finalLearningRateFraction`; 'constant' keeps `learningRate`.
   */
  schedule?: 'cosine' | 'constant';
  /** Final learning rate of the cosine schedule as a fraction of the peak (default 0.02). */
  finalLearningRateFraction?: number;
  seed?: number;
  /**
   * 'bound' (default): the paper's RMSE bound, sum_i M_i d_i over local steps from ground-truth points;
   * 'rmse': the global endpoint RMSE it bounds, with gradients through the whole solve (see bespokeGlobalLoss).
   */
  loss?: 'bound' | 'rmse';
  /** Ground-truth dopri5 tolerances (default 1e-4 for both). */
  rtol?: number;
  atol?: number;
  /** Start from these parameters instead of the base solver. */
  init?: BespokeSolver;
  onIteration?: (info: { iteration: number; loss: number; seconds: number; learningRate: number }) => void;
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
  settings: { loss: 'bound' | 'rmse'; iterations: number; batch: number; learningRate: number; schedule: 'cosine' | 'constant'; finalLearningRateFraction: number; seed: number; rtol: number; atol: number };
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

const PARAM_KEYS = ['tLogits', 'logDt', 'logS', 'ds'] as const;

/**
 * Trains a Bespoke solver for one model (the paper's Algorithm 2): every iteration draws fresh noise, solves
 * the ground truth with dopri5 at the current times t_0..t_n only, and takes one Adam step (float64 moments,
 * cosine-decayed learning rate) on the RMSE bound. Starts from the base solver (or `init`).
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
  const learningRate = options.learningRate ?? 5e-2;
  const schedule = options.schedule ?? 'cosine';
  const lossKind = options.loss ?? 'bound';
  if (lossKind !== 'bound' && lossKind !== 'rmse') throw new SolverInputError(`bespoke: loss must be bound or rmse, got '${String(lossKind)}'`);
  const finalFraction = options.finalLearningRateFraction ?? 0.02;
  const seed = options.seed ?? 0;
  const rtol = options.rtol ?? 1e-4;
  const atol = options.atol ?? 1e-4;
  if (!Number.isInteger(iterations) || iterations < 0) throw new SolverInputError(`bespoke: iterations must be an integer >= 0, got ${iterations}`);
  if (!Number.isInteger(batch) || batch < 1) throw new SolverInputError(`bespoke: batch (train samples) must be a positive integer, got ${batch}`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new SolverInputError(`bespoke: learning rate must be a positive number, got ${learningRate}`);
  if (schedule !== 'cosine' && schedule !== 'constant') throw new SolverInputError(`bespoke: schedule must be cosine or constant, got '${String(schedule)}'`);
  if (!(finalFraction >= 0 && finalFraction <= 1)) throw new SolverInputError(`bespoke: finalLearningRateFraction must be in [0, 1], got ${finalFraction}`);
  const shape = options.shape;
  const sampleSize = shape.reduce((a, b) => a * b, 1);
  const init = options.init ?? new BespokeSolver(base, n);
  if (init.base !== base || init.steps !== n) throw new SolverInputError('bespoke: init solver has another base or step count');
  const stride = base === 'euler' ? 1 : 2;
  // tfjs-core registers no gradients in Node; @flow/runtime provides the rules (kept if already present)
  registerGradients();

  // parameters and Adam moments in float64 (a few dozen numbers)
  const params: BespokeRawParams = { tLogits: init.params.tLogits.slice(), logDt: init.params.logDt.slice(), logS: init.params.logS.slice(), ds: init.params.ds.slice() };
  const m1 = PARAM_KEYS.map((k) => new Float64Array(params[k].length));
  const m2 = PARAM_KEYS.map((k) => new Float64Array(params[k].length));
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  const rng = new Rng(seed);
  const losses: number[] = [];
  let groundTruthNfe = 0;
  const start = performance.now();
  for (let it = 0; it < iterations; it++) {
    const coef = coefficientsOf(params);
    const times = Array.from({ length: n + 1 }, (_, i) => coef.t[stride * i]);
    const noise = rng.fillNormal(new Float32Array(batch * sampleSize));
    const x0 = tf.tensor(noise, [batch, ...shape]);
    let loss: number;
    let grads: Float32Array[];
    const lossOf = (fn: (c: BespokeTensors) => tf.Scalar) =>
      tf.tidy(() => {
        const xs = PARAM_KEYS.map((k) => tf.tensor1d(params[k]));
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => fn(coefficientTensors({ tLogits: a as tf.Tensor1D, logDt: b as tf.Tensor1D, logS: c as tf.Tensor1D, ds: d as tf.Tensor1D }));
        const { value, grads: g } = tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Scalar)(xs);
        return { value: value.dataSync()[0], grads: g.map((q) => q.dataSync() as Float32Array) };
      });
    if (lossKind === 'rmse') {
      // ground truth: the endpoint only
      const sol = dopri5(v, x0, { rtol, atol });
      groundTruthNfe += sol.nfe;
      try {
        ({ value: loss, grads } = lossOf((c) => bespokeGlobalLoss(v, base, n, c, x0, sol.x)));
      } finally {
        tf.dispose([x0, sol.x]);
      }
    } else {
      // ground truth at the current step times only
      const sol = dopri5(v, x0, { rtol, atol, saveAt: times });
      groundTruthNfe += sol.nfe;
      const gt = tf.unstack(sol.trajectory!);
      tf.dispose([x0, sol.x, sol.trajectory!]);
      const gtVel = gt.map((g, i) => (i === 0 || i === n ? g : tf.tidy(() => v(g, times[i]))));
      groundTruthNfe += n - 1;
      const owned = [...gt, ...gtVel.filter((_, i) => i !== 0 && i !== n)];
      try {
        ({ value: loss, grads } = lossOf((c) => bespokeLoss(v, base, n, c, coef.t, gt, gtVel)));
      } finally {
        tf.dispose(owned);
      }
    }
    if (!Number.isFinite(loss) || grads.some((g) => g.some((q) => !Number.isFinite(q)))) {
      throw new Error(`bespoke: loss became ${loss} at iteration ${it} (try a smaller learning rate)`);
    }
    const lr = bespokeLearningRate(it, iterations, learningRate, schedule, finalFraction);
    const c1 = 1 - Math.pow(beta1, it + 1);
    const c2 = 1 - Math.pow(beta2, it + 1);
    PARAM_KEYS.forEach((k, ki) => {
      const p = params[k];
      for (let j = 0; j < p.length; j++) {
        const g = grads[ki][j];
        m1[ki][j] = beta1 * m1[ki][j] + (1 - beta1) * g;
        m2[ki][j] = beta2 * m2[ki][j] + (1 - beta2) * g * g;
        p[j] -= (lr * (m1[ki][j] / c1)) / (Math.sqrt(m2[ki][j] / c2) + eps);
      }
    });
    losses.push(loss);
    options.onIteration?.({ iteration: it, loss, seconds: (performance.now() - start) / 1000, learningRate: lr });
  }
  const solver = new BespokeSolver(base, n, params);
  const tail = losses.slice(Math.max(0, losses.length - Math.max(1, Math.ceil(losses.length / 10))));
  return {
    solver,
    initialLoss: losses[0] ?? NaN,
    finalLoss: tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : NaN,
    losses,
    seconds: (performance.now() - start) / 1000,
    groundTruthNfe,
    settings: { loss: lossKind, iterations, batch, learningRate, schedule, finalLearningRateFraction: finalFraction, seed, rtol, atol },
  };
}
