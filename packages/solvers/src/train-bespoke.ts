import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { registerGradients } from '@flow/runtime';
import { Adam } from './adam';
import { bespokeGlobalLoss, bespokeLoss } from './bespoke-loss';
import { DenseGroundTruth } from './bespoke-ground-truth';
import { type BespokeBase, type BespokeRawParams, BespokeSolver, coefficientTensors, coefficientsOf, type BespokeTensors } from './bespoke-solver';
import { dopri5 } from './dopri5';
import { solveFixedStep, STAGES } from './fixed-step';
import { Lbfgs, type Objective } from './lbfgs';
import { SolverInputError } from './solver-input-error';
import type { VelocityField } from './velocity-field';

/** Which loss Bespoke training minimises; 'auto' runs the RMSE bound, then fine-tunes on the endpoint RMSE. */
export type BespokeLossKind = 'auto' | 'bound' | 'rmse';
export type BespokeOptimizer = 'auto' | 'lbfgs' | 'adam';

export interface BespokeTrainOptions {
  base: BespokeBase;
  /** Velocity evaluations of the trained solver: n for euler (RK1-BES), 2n for midpoint (RK2-BES). */
  nfe: number;
  /** Shape of one sample (default [dim]). */
  shape: number[];
  /** Most optimiser iterations per loss phase (default 200); validation usually stops it earlier. */
  iterations?: number;
  /** Training noises: one fixed, seeded set reused every iteration (default 256). */
  batch?: number;
  /** Validation noises (early stopping and the choice of the result; default 256). */
  validationSamples?: number;
  /** Held-out test noises: only measured, never used to choose (default 256). */
  testSamples?: number;
  /** Iterations without a better validation RMSE before a phase stops (default 40). */
  patience?: number;
  /**
   * 'auto' (default): Adam on the bound (its |s'| terms have kinks where L-BFGS stalls), L-BFGS on the endpoint
   * RMSE; or 'lbfgs' / 'adam' for every phase. Both are full batch.
   */
  optimizer?: BespokeOptimizer;
  /** Adam step size (default 2e-2); L-BFGS takes its own steps. */
  learningRate?: number;
  /**
   * 'auto' (default): the paper's RMSE bound (Lipschitz-weighted local errors), then the global endpoint RMSE
   * from the best point so far; 'bound' or 'rmse' alone. Every phase is judged by validation RMSE.
   */
  loss?: BespokeLossKind;
  seed?: number;
  /** Ground-truth dopri5 tolerances (default 1e-5 for both). */
  rtol?: number;
  atol?: number;
  /** Intervals of the dense ground-truth grid the bound loss interpolates (default 64). */
  gridIntervals?: number;
  /** Start from these parameters instead of the base solver (and fall back to them). */
  init?: BespokeSolver;
  onIteration?: (info: { phase: 'bound' | 'rmse'; iteration: number; loss: number; validationRmse: number; seconds: number; learningRate: number }) => void;
}

/** RMSE against exact endpoints on held-out noise: the trained solver and the base solver at n and 2n NFE. */
export interface BespokeHeldOut {
  samples: number;
  /** The returned solver. */
  rmse: number;
  /** The base solver at the same NFE (what training starts from). */
  baseRmseN: number;
  /** The base solver at twice the NFE (the paper's claim: RK2-BES at n rivals the base at about 2n). */
  baseRmse2n: number;
}

export interface BespokeTrainResult {
  solver: BespokeSolver;
  /** Training loss of the first phase at the initial parameters. */
  initialLoss: number;
  /** Training loss of the last phase at its last iterate. */
  finalLoss: number;
  /** Training loss per iteration, all phases in order. */
  losses: number[];
  phases: { loss: 'bound' | 'rmse'; iterations: number; evaluations: number; bestValidationRmse: number; stoppedEarly: boolean }[];
  /** Validation RMSE of the returned solver and of the initial one. */
  validationRmse: number;
  validationBaseRmse: number;
  heldOut: BespokeHeldOut;
  /** True when training did not beat the initial solver on validation and held-out noise, so it is returned. */
  keptInitial: boolean;
  /** heldOut.rmse <= heldOut.baseRmse2n. */
  meetsBase2n: boolean;
  seconds: number;
  /** Velocity evaluations spent on ground truth (dopri5 and grid velocities). */
  groundTruthNfe: number;
  settings: {
    loss: BespokeLossKind;
    optimizer: BespokeOptimizer;
    iterations: number;
    batch: number;
    validationSamples: number;
    testSamples: number;
    patience: number;
    learningRate: number;
    seed: number;
    rtol: number;
    atol: number;
    gridIntervals: number;
  };
}

const PARAM_KEYS = ['tLogits', 'logDt', 'logS', 'ds'] as const;

function flatten(p: BespokeRawParams): Float64Array {
  return Float64Array.from(PARAM_KEYS.flatMap((k) => p[k]));
}

function unflatten(x: Float64Array, M: number): BespokeRawParams {
  const part = (i: number) => Array.from(x.subarray(i * M, (i + 1) * M));
  return { tLogits: part(0), logDt: part(1), logS: part(2), ds: part(3) };
}

/** RMSE over every element of a batch against its exact endpoint. */
function endpointRmse(x: tf.Tensor, exact: tf.Tensor): number {
  return tf.tidy(() => Math.sqrt(tf.mean(tf.square(tf.sub(x, exact))).dataSync()[0]));
}

function solverRmse(v: VelocityField, solver: BespokeSolver, x0: tf.Tensor, exact: tf.Tensor): number {
  const r = solver.solve(v, x0);
  const e = endpointRmse(r.x, exact);
  r.x.dispose();
  return e;
}

function baseRmse(v: VelocityField, base: BespokeBase, steps: number, x0: tf.Tensor, exact: tf.Tensor): number {
  const r = solveFixedStep(base, v, x0, { steps });
  const e = endpointRmse(r.x, exact);
  r.x.dispose();
  return e;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new SolverInputError(`bespoke: ${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Trains a Bespoke solver for one model (Shaul et al., ICLR 2024) so that it is measurably no worse than the
 * solver it starts from. Three fixed, seeded noise sets are drawn: training (reused every iteration, so the
 * loss is deterministic and L-BFGS applies), validation (early stopping: the best validation RMSE over all
 * iterates is kept, the initial parameters included) and test (reported only). Ground truth is solved once
 * with dopri5; the bound loss reads x(t) at the moving time grid from a dense Hermite interpolant.
 * Starts exactly at the base solver (or `init`); if the chosen parameters are not better than the start on
 * both validation and test noise, the start is returned (`keptInitial`).
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
  if (!Number.isInteger(iterations) || iterations < 0) throw new SolverInputError(`bespoke: iterations must be an integer >= 0, got ${iterations}`);
  const batch = positiveInteger('batch (training samples)', options.batch ?? 256);
  const validationSamples = positiveInteger('validationSamples', options.validationSamples ?? 256);
  const testSamples = positiveInteger('testSamples', options.testSamples ?? 256);
  const patience = positiveInteger('patience', options.patience ?? 40);
  const gridIntervals = positiveInteger('gridIntervals', options.gridIntervals ?? 64);
  const optimizer = options.optimizer ?? 'auto';
  if (optimizer !== 'auto' && optimizer !== 'lbfgs' && optimizer !== 'adam') throw new SolverInputError(`bespoke: optimizer must be auto, lbfgs or adam, got '${String(optimizer)}'`);
  const learningRate = options.learningRate ?? 2e-2;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new SolverInputError(`bespoke: learning rate must be a positive number, got ${learningRate}`);
  const lossKind = options.loss ?? 'auto';
  if (lossKind !== 'auto' && lossKind !== 'bound' && lossKind !== 'rmse') throw new SolverInputError(`bespoke: loss must be auto, bound or rmse, got '${String(lossKind)}'`);
  const seed = options.seed ?? 0;
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-5;
  const shape = options.shape;
  const sampleSize = shape.reduce((a, b) => a * b, 1);
  const init = options.init ?? new BespokeSolver(base, n);
  if (init.base !== base || init.steps !== n) throw new SolverInputError('bespoke: init solver has another base or step count');
  const M = init.params.tLogits.length;
  const stride = base === 'euler' ? 1 : 2;
  // tfjs-core registers no gradients in Node; @flow/runtime provides the rules (kept if already present)
  registerGradients();

  const start = performance.now();
  const rng = new Rng(seed);
  const draw = (count: number) => tf.tensor(rng.fillNormal(new Float32Array(count * sampleSize)), [count, ...shape]);
  const trainX0 = draw(batch);
  const heldX0 = draw(validationSamples + testSamples);
  const owned: tf.Tensor[] = [trainX0, heldX0];
  let gtTrain: DenseGroundTruth | null = null;
  try {
    gtTrain = new DenseGroundTruth(v, trainX0, { intervals: gridIntervals, rtol, atol });
    const held = dopri5(v, heldX0, { rtol, atol });
    const groundTruthNfe = gtTrain.nfe + held.nfe;
    const [valX0, testX0] = tf.split(heldX0, [validationSamples, testSamples]);
    const [valExact, testExact] = tf.split(held.x, [validationSamples, testSamples]);
    owned.push(held.x, valX0, testX0, valExact, testExact);
    const dense = gtTrain;

    const valRmseOf = (p: BespokeRawParams) => solverRmse(v, new BespokeSolver(base, n, p), valX0, valExact);
    const gradientOf = (fn: (c: BespokeTensors) => tf.Scalar, x: Float64Array) => {
      const r = tf.tidy(() => {
        const p = unflatten(x, M);
        const xs = PARAM_KEYS.map((k) => tf.tensor1d(p[k]));
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => fn(coefficientTensors({ tLogits: a as tf.Tensor1D, logDt: b as tf.Tensor1D, logS: c as tf.Tensor1D, ds: d as tf.Tensor1D }));
        const { value, grads } = tf.valueAndGrads(f as (...a: tf.Tensor[]) => tf.Scalar)(xs);
        return { value: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
      });
      return { value: r.value, grad: Float64Array.from(r.grads.flatMap((g) => Array.from(g))) };
    };
    const objectives: Record<'bound' | 'rmse', Objective> = {
      rmse: (x) => gradientOf((c) => bespokeGlobalLoss(v, base, n, c, dense.x0, dense.endpoint), x),
      bound: (x) => {
        // ground truth at the current step times, from the dense interpolant (exact at t = 0 and t = 1)
        const t = coefficientsOf(unflatten(x, M)).t;
        const at = Array.from({ length: n + 1 }, (_, i) => dense.at(t[stride * i]));
        try {
          return gradientOf((c) => bespokeLoss(v, base, n, c, t, at.map((q) => q.x), at.map((q) => q.u)), x);
        } finally {
          tf.dispose(at.flatMap((q) => [q.x, q.u]));
        }
      },
    };

    const initialParams = flatten(init.params);
    const validationBaseRmse = valRmseOf(init.params);
    let best = initialParams;
    let bestVal = validationBaseRmse;
    const losses: number[] = [];
    const phases: BespokeTrainResult['phases'] = [];
    const phaseKinds: ('bound' | 'rmse')[] = lossKind === 'auto' ? ['bound', 'rmse'] : [lossKind];
    for (const phase of phaseKinds) {
      const f = objectives[phase];
      const useAdam = optimizer === 'adam' || (optimizer === 'auto' && phase === 'bound');
      const opt = useAdam ? new Adam(f, best, learningRate) : new Lbfgs(f, best);
      if (losses.length === 0) losses.push(opt.loss);
      let phaseBest = Infinity;
      let since = 0;
      let it = 0;
      let stoppedEarly = false;
      while (it < iterations) {
        const moved = opt.step();
        it++;
        const point = opt.point;
        const val = valRmseOf(unflatten(point, M));
        losses.push(opt.loss);
        if (!Number.isFinite(opt.loss)) throw new Error(`bespoke: loss became ${opt.loss} in the ${phase} phase at iteration ${it} (try a smaller learning rate)`);
        phaseBest = Math.min(phaseBest, val);
        if (val < bestVal) {
          bestVal = val;
          best = point;
          since = 0;
        } else since++;
        options.onIteration?.({ phase, iteration: it - 1, loss: opt.loss, validationRmse: val, seconds: (performance.now() - start) / 1000, learningRate: useAdam ? learningRate : 0 });
        if (!moved || since >= patience) {
          stoppedEarly = true;
          break;
        }
      }
      phases.push({ loss: phase, iterations: it, evaluations: opt.evaluations, bestValidationRmse: phaseBest, stoppedEarly });
    }

    const initial = new BespokeSolver(base, n, init.params);
    const testInitial = solverRmse(v, initial, testX0, testExact);
    let solver = new BespokeSolver(base, n, unflatten(best, M));
    let testRmse = best === initialParams ? testInitial : solverRmse(v, solver, testX0, testExact);
    let keptInitial = best === initialParams;
    if (!keptInitial && !(testRmse < testInitial)) {
      // better on validation noise only: not a real improvement, keep the start
      solver = initial;
      testRmse = testInitial;
      bestVal = validationBaseRmse;
      keptInitial = true;
    }
    const heldOut: BespokeHeldOut = {
      samples: testSamples,
      rmse: testRmse,
      baseRmseN: baseRmse(v, base, n, testX0, testExact),
      baseRmse2n: baseRmse(v, base, 2 * n, testX0, testExact),
    };
    return {
      solver,
      initialLoss: losses[0] ?? NaN,
      finalLoss: losses[losses.length - 1] ?? NaN,
      losses,
      phases,
      validationRmse: bestVal,
      validationBaseRmse,
      heldOut,
      keptInitial,
      meetsBase2n: heldOut.rmse <= heldOut.baseRmse2n,
      seconds: (performance.now() - start) / 1000,
      groundTruthNfe,
      settings: { loss: lossKind, optimizer, iterations, batch, validationSamples, testSamples, patience, learningRate, seed, rtol, atol, gridIntervals },
    };
  } finally {
    gtTrain?.dispose();
    tf.dispose(owned);
  }
}
