import * as tf from '@tensorflow/tfjs-core';
import { dopri5 } from './dopri5';
import type { VelocityField } from './velocity-field';

/**
 * Ground-truth trajectories of a fixed set of noises, solved once with dopri5 on a uniform grid of
 * `intervals` steps, with the velocities there, so that x(t) at any time is a cubic Hermite interpolation
 * (no new ODE solve when the Bespoke time grid moves during training). Owns its tensors: call dispose().
 */
export class DenseGroundTruth {
  readonly x0: tf.Tensor;
  readonly intervals: number;
  /** Velocity evaluations spent (dopri5 plus one per grid point). */
  readonly nfe: number;
  private readonly states: tf.Tensor[];
  private readonly velocities: tf.Tensor[];

  constructor(v: VelocityField, x0: tf.Tensor, opts: { intervals: number; rtol: number; atol: number }) {
    this.x0 = tf.keep(tf.clone(x0));
    this.intervals = opts.intervals;
    const grid = Array.from({ length: opts.intervals + 1 }, (_, i) => i / opts.intervals);
    const sol = dopri5(v, x0, { rtol: opts.rtol, atol: opts.atol, saveAt: grid });
    this.states = tf.unstack(sol.trajectory!).map((q) => tf.keep(q));
    tf.dispose([sol.x, sol.trajectory!]);
    this.velocities = this.states.map((q, i) => tf.keep(tf.tidy(() => v(q, grid[i]))));
    this.nfe = sol.nfe + grid.length;
  }

  /** The exact endpoint x(1) (owned by this object). */
  get endpoint(): tf.Tensor {
    return this.states[this.intervals];
  }

  /** x(t) and dx/dt at time t in [0, 1] (new tensors; exact at the grid points). */
  at(t: number): { x: tf.Tensor; u: tf.Tensor } {
    const G = this.intervals;
    const k = Math.min(G - 1, Math.max(0, Math.floor(t * G)));
    const q = Math.min(1, Math.max(0, t * G - k));
    const h = 1 / G;
    const [xa, xb, va, vb] = [this.states[k], this.states[k + 1], this.velocities[k], this.velocities[k + 1]];
    return tf.tidy(() => {
      const q2 = q * q;
      const q3 = q2 * q;
      const x = tf.addN([tf.mul(2 * q3 - 3 * q2 + 1, xa), tf.mul(h * (q3 - 2 * q2 + q), va), tf.mul(-2 * q3 + 3 * q2, xb), tf.mul(h * (q3 - q2), vb)]);
      const u = tf.addN([tf.mul((6 * q2 - 6 * q) / h, xa), tf.mul(3 * q2 - 4 * q + 1, va), tf.mul((-6 * q2 + 6 * q) / h, xb), tf.mul(3 * q2 - 2 * q, vb)]);
      return { x, u };
    });
  }

  dispose(): void {
    tf.dispose([this.x0, ...this.states, ...this.velocities]);
  }
}
