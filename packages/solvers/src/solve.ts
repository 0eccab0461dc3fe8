import type * as tf from '@tensorflow/tfjs-core';
import { dopri5 } from './dopri5';
import { isFixedStepMethod, solveFixedStep } from './fixed-step';
import { SolverInputError } from './solver-input-error';
import type { TimeGridSpec } from './time-grid';
import type { VelocityField } from './velocity-field';

export type SolverName = 'euler' | 'midpoint' | 'heun' | 'rk4' | 'dopri5';
export const SOLVER_NAMES: readonly SolverName[] = ['euler', 'midpoint', 'heun', 'rk4', 'dopri5'];

export interface SolveOptions {
  method: SolverName;
  /** Fixed-step: total velocity evaluations (a multiple of the method's stages). */
  nfe?: number;
  /** Fixed-step: number of steps (alternative to nfe). */
  steps?: number;
  /** Fixed-step: where the steps go (default uniform). */
  grid?: TimeGridSpec;
  /** dopri5 tolerances (default 1e-5 each). */
  rtol?: number;
  atol?: number;
  firstStep?: number;
  maxSteps?: number;
  /**
   * Return the states along the way as one stacked tensor [T, ...x0.shape]. Fixed-step solvers save every
   * grid time; dopri5 saves at `saveAt` (default [0, 1]).
   */
  trajectory?: boolean;
  saveAt?: readonly number[];
}

export interface SolveResult {
  /** The state at t = 1 (the caller owns it). */
  x: tf.Tensor;
  method: SolverName;
  /** Velocity evaluations actually made. */
  nfe: number;
  /** Accepted steps. */
  steps: number;
  /** Rejected steps (dopri5 only; 0 otherwise). */
  rejected: number;
  /** Times of the trajectory states (when a trajectory was asked for). */
  times?: number[];
  trajectory?: tf.Tensor;
}

/** Integrates dx/dt = v(x, t) from t = 0 (x0, noise) to t = 1 (data). x0 is left alone. */
export function solve(v: VelocityField, x0: tf.Tensor, options: SolveOptions): SolveResult {
  const { method } = options;
  if (x0.rank < 1 || x0.shape[0] < 1) throw new SolverInputError(`solve: x0 must be batch-first with at least one sample, got shape [${x0.shape.join(', ')}]`);
  if (method === 'dopri5') {
    if (options.nfe !== undefined || options.steps !== undefined) throw new SolverInputError('dopri5: nfe/steps do not apply to the adaptive solver; use rtol/atol');
    const wantTrajectory = options.trajectory || options.saveAt !== undefined;
    const r = dopri5(v, x0, { rtol: options.rtol, atol: options.atol, firstStep: options.firstStep, maxSteps: options.maxSteps, saveAt: wantTrajectory ? (options.saveAt ?? [0, 1]) : undefined });
    return { x: r.x, method, nfe: r.nfe, steps: r.steps, rejected: r.rejected, times: r.times, trajectory: r.trajectory };
  }
  if (!isFixedStepMethod(method)) throw new SolverInputError(`solve: unknown solver '${String(method)}' (expected one of ${SOLVER_NAMES.join(', ')})`);
  if (options.rtol !== undefined || options.atol !== undefined) throw new SolverInputError(`${method}: rtol/atol apply only to dopri5; give nfe or steps`);
  const r = solveFixedStep(method, v, x0, { nfe: options.nfe, steps: options.steps, grid: options.grid, trajectory: options.trajectory });
  return { x: r.x, method, nfe: r.nfe, steps: r.steps, rejected: 0, times: options.trajectory ? r.times : undefined, trajectory: r.trajectory };
}
