import * as tf from '@tensorflow/tfjs-core';
import { SolverInputError } from './solver-input-error';
import type { VelocityField } from './velocity-field';

export interface Dopri5Options {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** First step size; chosen automatically (Hairer's rule, one extra evaluation) when absent. */
  firstStep?: number;
  /** Give up after this many attempted steps (default 100000). */
  maxSteps?: number;
  /** Times in [0, 1] where the state is saved (steps are shortened to land on them exactly). */
  saveAt?: readonly number[];
}

export interface Dopri5Result {
  x: tf.Tensor;
  /** Velocity evaluations actually made (FSAL: 6 per attempted step, plus the first one or two). */
  nfe: number;
  /** Accepted steps. */
  steps: number;
  rejected: number;
  /** The save times, when saveAt was given. */
  times?: number[];
  /** States at the save times, stacked: [saveAt.length, ...x0.shape]. */
  trajectory?: tf.Tensor;
}

// Dormand-Prince 5(4) tableau.
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1];
const A: number[][] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];
const B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84];
// B (5th order) minus the embedded 4th-order weights; the 7th entry multiplies f(t + h, x_new).
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 10;

function combination(x: tf.Tensor, h: number, coeffs: number[], ks: tf.Tensor[]): tf.Tensor {
  const terms: tf.Tensor[] = [];
  coeffs.forEach((c, i) => {
    if (c !== 0) terms.push(tf.mul(h * c, ks[i]));
  });
  return terms.length === 0 ? tf.clone(x) : tf.add(x, terms.length === 1 ? terms[0] : tf.addN(terms));
}

/** RMS norm of e / (atol + rtol * max(|a|, |b|)) over every element. */
function scaledRms(e: tf.Tensor, a: tf.Tensor, b: tf.Tensor, rtol: number, atol: number): number {
  return tf.tidy(() => {
    const scale = tf.add(atol, tf.mul(rtol, tf.maximum(tf.abs(a), tf.abs(b))));
    return Math.sqrt(tf.mean(tf.square(tf.div(e, scale))).dataSync()[0]);
  });
}

/**
 * Adaptive Dormand-Prince 5(4) from t = 0 to t = 1 with the standard error control (the error of the
 * embedded 4th-order solution, RMS-normed against atol + rtol * |x|, one step size for the whole batch like
 * SciPy's RK45 on the flattened state) and first-same-as-last reuse of the last stage. x0 is not disposed.
 */
export function dopri5(v: VelocityField, x0: tf.Tensor, opts: Dopri5Options = {}): Dopri5Result {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-5;
  const maxSteps = opts.maxSteps ?? 100000;
  if (!(rtol >= 0 && atol >= 0 && rtol + atol > 0)) throw new SolverInputError(`dopri5: rtol and atol must be >= 0 and not both 0 (got ${rtol}, ${atol})`);
  const saveAt = opts.saveAt ? opts.saveAt.slice() : undefined;
  if (saveAt) {
    saveAt.forEach((s, i) => {
      if (!(s >= 0 && s <= 1)) throw new SolverInputError(`dopri5: saveAt times must be in [0, 1], got ${s}`);
      if (i > 0 && !(s >= saveAt[i - 1])) throw new SolverInputError('dopri5: saveAt times must be non-decreasing');
    });
  }
  const saved: tf.Tensor[] = [];
  let saveIdx = 0;
  const saveUpTo = (t: number, x: tf.Tensor) => {
    while (saveAt && saveIdx < saveAt.length && saveAt[saveIdx] <= t) {
      saved.push(tf.clone(x));
      saveIdx++;
    }
  };

  let nfe = 0;
  let t = 0;
  let x = tf.clone(x0);
  let f = tf.tidy(() => v(x, t));
  nfe++;
  saveUpTo(t, x);

  let h: number;
  if (opts.firstStep !== undefined) {
    if (!(opts.firstStep > 0)) throw new SolverInputError(`dopri5: firstStep must be > 0, got ${opts.firstStep}`);
    h = opts.firstStep;
  } else {
    // Hairer, Norsett & Wanner II.4 starting step (as in SciPy's select_initial_step)
    const d0 = scaledRms(x, x, x, rtol, atol);
    const d1 = scaledRms(f, x, x, rtol, atol);
    const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
    const x1 = tf.tidy(() => tf.add(x, tf.mul(h0, f)));
    const f1 = tf.tidy(() => v(x1, t + h0));
    nfe++;
    const d2 = tf.tidy(() => scaledRms(tf.sub(f1, f), x, x, rtol, atol)) / h0;
    tf.dispose([x1, f1]);
    const dm = Math.max(d1, d2);
    const h1 = dm <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / dm, 1 / 5);
    h = Math.min(100 * h0, h1, 1);
  }

  let steps = 0;
  let rejected = 0;
  while (t < 1) {
    if (steps + rejected >= maxSteps) {
      tf.dispose([x, f, ...saved]);
      throw new Error(`dopri5: gave up after ${maxSteps} steps at t = ${t} (tolerances too tight for float32?)`);
    }
    // land exactly on the next save time and on t = 1
    let target = 1;
    if (saveAt && saveIdx < saveAt.length && saveAt[saveIdx] > t) target = Math.min(target, saveAt[saveIdx]);
    let hStep = Math.min(h, target - t);
    const lands = hStep >= target - t || target - t - hStep < 1e-12;
    if (lands) hStep = target - t;
    if (hStep < 1e-12) {
      tf.dispose([x, f, ...saved]);
      throw new Error(`dopri5: step size underflow at t = ${t} (tolerances too tight for float32?)`);
    }
    const xc = x;
    const fc = f;
    const [xNew, fNew, err] = tf.tidy(() => {
      const ks: tf.Tensor[] = [fc];
      for (let s = 1; s < 6; s++) ks.push(v(combination(xc, hStep, A[s], ks), t + C[s] * hStep));
      const xn = combination(xc, hStep, B, ks);
      const fn = v(xn, t + hStep);
      ks.push(fn);
      const e = tf.mul(hStep, tf.addN(E.map((c, i) => (c === 0 ? null : tf.mul(c, ks[i]))).filter((q): q is tf.Tensor => q !== null)));
      return [xn, fn, e];
    });
    nfe += 6;
    const errNorm = scaledRms(err, xc, xNew, rtol, atol);
    err.dispose();
    if (errNorm <= 1 && Number.isFinite(errNorm)) {
      t = lands ? target : t + hStep;
      tf.dispose([xc, fc]);
      x = xNew;
      f = fNew;
      steps++;
      saveUpTo(t, x);
      const factor = errNorm === 0 ? MAX_FACTOR : Math.min(MAX_FACTOR, SAFETY * Math.pow(errNorm, -1 / 5));
      // a step shortened to hit a save time says little about the next one: grow from the planned size
      h = lands && hStep < h ? Math.max(h, hStep * factor) : hStep * factor;
    } else {
      tf.dispose([xNew, fNew]);
      rejected++;
      const factor = Number.isFinite(errNorm) ? Math.max(MIN_FACTOR, SAFETY * Math.pow(errNorm, -1 / 5)) : MIN_FACTOR;
      h = hStep * Math.min(1, factor);
    }
  }
  f.dispose();
  saveUpTo(Infinity, x);
  const result: Dopri5Result = { x, nfe, steps, rejected };
  if (saveAt) {
    result.times = saveAt;
    result.trajectory = tf.stack(saved);
    tf.dispose(saved);
  }
  return result;
}
