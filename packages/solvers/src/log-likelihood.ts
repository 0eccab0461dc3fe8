import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { registerGradients } from '@flow/runtime';
import { dopri5 } from './dopri5';
import { SolverInputError } from './solver-input-error';
import type { VelocityField } from './velocity-field';

/** The divergence of a velocity field in closed form: one value per sample (e.g. `GaussianMixtureFlow.divergence`). */
export type DivergenceField = (x: tf.Tensor, t: number) => tf.Tensor1D;

export type LikelihoodEstimator = 'exact' | 'hutchinson';
export type ProbeDistribution = 'rademacher' | 'gaussian';

export interface LikelihoodOptions {
  /**
   * `exact` (default): the trace of the Jacobian, from `divergence` when given, else from d vector-Jacobian
   * products (the batch is replicated d times: for small d). `hutchinson`: eps^T J eps averaged over
   * `probes` fixed random probes per row (one vector-Jacobian product per probe), unbiased, with a standard error.
   */
  estimator?: LikelihoodEstimator;
  /** Closed-form divergence, used by the exact estimator instead of autodiff. */
  divergence?: DivergenceField;
  /** Hutchinson probes per row (default 8; at least 2 for a standard error). */
  probes?: number;
  /** Probe entries: +-1 with equal odds (default; the lower-variance choice) or N(0, 1). */
  probe?: ProbeDistribution;
  /** Seeds the probes; row r's probes do not depend on the batch size. Default 0. */
  seed?: number;
  /** dopri5 tolerances on the augmented state (default 1e-5 each). */
  rtol?: number;
  atol?: number;
  /** Rows integrated together (default 256): memory is flat in the number of rows. */
  batchSize?: number;
}

export interface LikelihoodResult {
  /** log p_1(x) per row, in nats (model space). */
  logLikelihood: Float64Array;
  /** log N(x_0; 0, I) at the start point the backward solve reached. */
  logPrior: Float64Array;
  /** The integral of div v along the path (log p_1(x) = logPrior - integral). */
  divergenceIntegral: Float64Array;
  /** Hutchinson: per-row standard error of logLikelihood over the probes (NaN with one probe); absent for exact. */
  standardError?: Float64Array;
  estimator: LikelihoodEstimator;
  probes: number;
  /** Evaluations of the augmented field, summed over batches (each is one velocity call, plus the divergence's). */
  nfe: number;
  steps: number;
  rejected: number;
  batches: number;
  seconds: number;
}

/** sum over rows b of the vector-Jacobian product (w_b^T J(x_b)) . w_b, for R weight blocks: returns v(x) and [b, R]. */
function vjpTrace(v: VelocityField, x: tf.Tensor, t: number, weights: tf.Tensor2D, reps: number): { vel: tf.Tensor; q: tf.Tensor2D } {
  const b = x.shape[0];
  const d = x.size / b;
  const xr = tf.tile(x, [reps, ...x.shape.slice(1).map(() => 1)]);
  let vel: tf.Tensor | null = null;
  const g = tf.grad((xin: tf.Tensor) => {
    const out = v(xin, t);
    vel = tf.keep(tf.slice(out, 0, b));
    return tf.sum(tf.mul(tf.reshape(out, [reps * b, d]), weights));
  })(xr);
  const q = tf.transpose(tf.reshape(tf.sum(tf.mul(tf.reshape(g, [reps * b, d]), weights), 1), [reps, b])) as tf.Tensor2D;
  return { vel: vel!, q };
}

/** One-hot weights e_i for every copy i of a batch replicated d times: the exact trace from d VJPs. */
function oneHotBlocks(b: number, d: number): tf.Tensor2D {
  const w = new Float32Array(d * b * d);
  for (let i = 0; i < d; i++) for (let r = 0; r < b; r++) w[(i * b + r) * d + i] = 1;
  return tf.tensor2d(w, [d * b, d]);
}

/**
 * log p(x) in nats per row of a flow model (t = 0 noise N(0, I), t = 1 data, dx/dt = v(x, t)), by the
 * instantaneous change of variables: integrate x and int div v dt together from t = 1 back to t = 0 with
 * adaptive dopri5, then log p_1(x) = log N(x_0; 0, I) - int_0^1 div v(x_t, t) dt. `x` is batch-first
 * ([n, ...shape], model space) and left alone.
 */
export function logLikelihood(v: VelocityField, x: tf.Tensor, opts: LikelihoodOptions = {}): LikelihoodResult {
  const t0 = performance.now();
  const estimator = opts.estimator ?? 'exact';
  if (estimator !== 'exact' && estimator !== 'hutchinson') throw new SolverInputError(`logLikelihood: estimator must be exact or hutchinson, got '${String(estimator)}'`);
  const probeKind = opts.probe ?? 'rademacher';
  if (probeKind !== 'rademacher' && probeKind !== 'gaussian') throw new SolverInputError(`logLikelihood: probe must be rademacher or gaussian, got '${String(probeKind)}'`);
  const K = estimator === 'hutchinson' ? (opts.probes ?? 8) : 1;
  if (!Number.isInteger(K) || K < 1) throw new SolverInputError(`logLikelihood: probes must be a positive integer, got ${opts.probes}`);
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new SolverInputError(`logLikelihood: batchSize must be a positive integer, got ${opts.batchSize}`);
  if (x.rank < 2 || x.shape[0] < 1) throw new SolverInputError(`logLikelihood: x must be batch-first [n, ...] with n >= 1, got shape [${x.shape.join(', ')}]`);
  const n = x.shape[0];
  const shape = x.shape.slice(1);
  const d = x.size / n;
  const analytic = estimator === 'exact' && opts.divergence !== undefined;
  if (!analytic) registerGradients();
  const cols = estimator === 'exact' ? 1 : K;
  const rng = new Rng(opts.seed ?? 0);
  const out: LikelihoodResult = {
    logLikelihood: new Float64Array(n),
    logPrior: new Float64Array(n),
    divergenceIntegral: new Float64Array(n),
    ...(estimator === 'hutchinson' ? { standardError: new Float64Array(n) } : {}),
    estimator,
    probes: estimator === 'hutchinson' ? K : 0,
    nfe: 0,
    steps: 0,
    rejected: 0,
    batches: 0,
    seconds: 0,
  };
  const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);
  for (let r0 = 0; r0 < n; r0 += batchSize) {
    const b = Math.min(batchSize, n - r0);
    let weights: tf.Tensor2D | null = null;
    if (!analytic && estimator === 'exact') weights = oneHotBlocks(b, d);
    if (estimator === 'hutchinson') {
      // Probes drawn row by row in row order, so row r's probes are the same whatever the batch size.
      const w = new Float32Array(K * b * d);
      for (let r = 0; r < b; r++) {
        for (let k = 0; k < K; k++) {
          const o = (k * b + r) * d;
          for (let j = 0; j < d; j++) w[o + j] = probeKind === 'rademacher' ? (rng.uniform() < 0.5 ? -1 : 1) : rng.normal();
        }
      }
      weights = tf.tensor2d(w, [K * b, d]);
    }
    const reps = estimator === 'exact' ? d : K;
    // Reversed time s = 1 - t; state [x (flattened), int_t^1 div v]; d/ds = [-v, div v].
    const field: VelocityField = (y, s) =>
      tf.tidy(() => {
        if (typeof s !== 'number') throw new SolverInputError('logLikelihood: the augmented field expects a scalar time');
        const t = 1 - s;
        const xs = tf.reshape(tf.slice(y, [0, 0], [b, d]), [b, ...shape]);
        let vel: tf.Tensor;
        let div: tf.Tensor2D;
        if (analytic) {
          vel = v(xs, t);
          div = tf.reshape(opts.divergence!(xs, t), [b, 1]) as tf.Tensor2D;
        } else {
          const r = vjpTrace(v, xs, t, weights!, reps);
          vel = r.vel;
          div = estimator === 'exact' ? (tf.sum(r.q, 1, true) as tf.Tensor2D) : r.q;
        }
        const dy = tf.concat([tf.neg(tf.reshape(vel, [b, d])), div], 1);
        if (!analytic) vel.dispose(); // kept out of the gradient's scope, so not the tidy's to free
        return dy;
      });
    const y1 = tf.tidy(() => tf.concat([tf.reshape(tf.slice(x, r0, b), [b, d]), tf.zeros([b, cols])], 1));
    const res = dopri5(field, y1, { rtol: opts.rtol, atol: opts.atol });
    const y = res.x.dataSync() as Float32Array;
    tf.dispose([y1, res.x, ...(weights ? [weights] : [])]);
    out.nfe += res.nfe;
    out.steps += res.steps;
    out.rejected += res.rejected;
    out.batches++;
    const w = d + cols;
    for (let r = 0; r < b; r++) {
      let sq = 0;
      for (let j = 0; j < d; j++) sq += y[r * w + j]! * y[r * w + j]!;
      const prior = -0.5 * sq - d * halfLog2Pi;
      let mean = 0;
      for (let k = 0; k < cols; k++) mean += y[r * w + d + k]!;
      mean /= cols;
      out.logPrior[r0 + r] = prior;
      out.divergenceIntegral[r0 + r] = mean;
      out.logLikelihood[r0 + r] = prior - mean;
      if (out.standardError) {
        let ss = 0;
        for (let k = 0; k < cols; k++) ss += (y[r * w + d + k]! - mean) ** 2;
        out.standardError[r0 + r] = cols > 1 ? Math.sqrt(ss / (cols - 1) / cols) : NaN;
      }
    }
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
