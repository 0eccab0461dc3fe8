import * as tf from '@tensorflow/tfjs-core';
import { SolverInputError } from './solver-input-error';
import { timeGrid, type TimeGridSpec } from './time-grid';
import type { VelocityField } from './velocity-field';

export type FixedStepMethod = 'euler' | 'midpoint' | 'heun' | 'rk4';

/** Velocity evaluations per step. */
export const STAGES: Readonly<Record<FixedStepMethod, number>> = { euler: 1, midpoint: 2, heun: 2, rk4: 4 };

export function isFixedStepMethod(name: string): name is FixedStepMethod {
  return Object.prototype.hasOwnProperty.call(STAGES, name);
}

/** One explicit Runge-Kutta step from (x, t) of size h; returns a new tensor and leaves x alone. */
export function fixedStep(method: FixedStepMethod, v: VelocityField, x: tf.Tensor, t: number, h: number): tf.Tensor {
  return tf.tidy(() => {
    switch (method) {
      case 'euler':
        return tf.add(x, tf.mul(h, v(x, t)));
      case 'midpoint': {
        const k1 = v(x, t);
        return tf.add(x, tf.mul(h, v(tf.add(x, tf.mul(h / 2, k1)), t + h / 2)));
      }
      case 'heun': {
        const k1 = v(x, t);
        const k2 = v(tf.add(x, tf.mul(h, k1)), t + h);
        return tf.add(x, tf.mul(h / 2, tf.add(k1, k2)));
      }
      case 'rk4': {
        const k1 = v(x, t);
        const k2 = v(tf.add(x, tf.mul(h / 2, k1)), t + h / 2);
        const k3 = v(tf.add(x, tf.mul(h / 2, k2)), t + h / 2);
        const k4 = v(tf.add(x, tf.mul(h, k3)), t + h);
        return tf.add(x, tf.mul(h / 6, tf.addN([k1, tf.mul(2, k2), tf.mul(2, k3), k4])));
      }
    }
  });
}

/**
 * Resolves how many steps a fixed-step solve makes: from `nfe` (total evaluations, a multiple of the
 * method's stages), from `steps`, or from an explicit grid (its length - 1).
 */
export function resolveSteps(method: FixedStepMethod, opts: { nfe?: number; steps?: number; grid?: TimeGridSpec }): number {
  const stages = STAGES[method];
  const fromGrid = Array.isArray(opts.grid) ? (opts.grid as readonly number[]).length - 1 : undefined;
  let steps: number | undefined;
  if (opts.nfe !== undefined) {
    if (!Number.isInteger(opts.nfe) || opts.nfe < 1) throw new SolverInputError(`${method}: nfe must be a positive integer, got ${opts.nfe}`);
    if (opts.nfe % stages !== 0) {
      throw new SolverInputError(`${method}: nfe must be a multiple of ${stages} (its evaluations per step), got ${opts.nfe}; try ${Math.max(stages, Math.round(opts.nfe / stages) * stages)}`);
    }
    steps = opts.nfe / stages;
  }
  if (opts.steps !== undefined) {
    if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new SolverInputError(`${method}: steps must be a positive integer, got ${opts.steps}`);
    if (steps !== undefined && steps !== opts.steps) throw new SolverInputError(`${method}: nfe ${opts.nfe} and steps ${opts.steps} disagree (${stages} evaluations per step)`);
    steps = opts.steps;
  }
  if (fromGrid !== undefined) {
    if (steps !== undefined && steps !== fromGrid) throw new SolverInputError(`${method}: the time grid has ${fromGrid} steps but nfe/steps ask for ${steps}`);
    steps = fromGrid;
  }
  if (steps === undefined) throw new SolverInputError(`${method}: give nfe, steps or an explicit time grid`);
  return steps;
}

export interface FixedStepResult {
  x: tf.Tensor;
  nfe: number;
  steps: number;
  times: number[];
  /** States at every grid time, stacked: [times.length, ...x0.shape]; only when asked for. */
  trajectory?: tf.Tensor;
}

/** Integrates dx/dt = v from t = 0 to t = 1 on a time grid. x0 is not disposed. */
export function solveFixedStep(
  method: FixedStepMethod,
  v: VelocityField,
  x0: tf.Tensor,
  opts: { nfe?: number; steps?: number; grid?: TimeGridSpec; trajectory?: boolean },
): FixedStepResult {
  const steps = resolveSteps(method, opts);
  const times = timeGrid(steps, opts.grid ?? 'uniform');
  const saved: tf.Tensor[] = opts.trajectory ? [tf.clone(x0)] : [];
  let x = x0;
  for (let i = 0; i < steps; i++) {
    const next = fixedStep(method, v, x, times[i], times[i + 1] - times[i]);
    if (x !== x0 && !opts.trajectory) x.dispose();
    x = next;
    if (opts.trajectory) saved.push(x);
  }
  const result: FixedStepResult = { x: x === x0 ? tf.clone(x0) : x, nfe: steps * STAGES[method], steps, times };
  if (opts.trajectory) {
    result.trajectory = tf.stack(saved);
    // the final state is returned separately; every other saved state lives only inside the stack now
    tf.dispose(saved.slice(0, -1));
  }
  return result;
}
