import * as tf from '@tensorflow/tfjs-core';
import { SolverInputError } from './solver-input-error';
import type { VelocityField } from './velocity-field';

export interface TrajectoryMetrics {
  /**
   * Lee et al. (ICML 2023): the time average of |(x1 - x0) - v(x_t, t)|^2 along the trajectory, averaged
   * over samples and per dimension (0 for straight paths).
   */
  curvature: number;
  /**
   * Liu et al. (rectified flow): S = int_0^1 E |(x1 - x0) - v(x_t, t)|^2 dt with the squared norm summed
   * over dimensions (= curvature x dim).
   */
  straightness: number;
  /** E |x1 - x0| / E int |v| dt: 1 for straight paths, smaller when they bend. */
  pathLengthRatio: number;
  /** Velocity evaluations the metrics cost (one per trajectory time). */
  nfe: number;
}

/**
 * Trajectory metrics from states saved at increasing times (first t = 0, last t = 1): the velocity is
 * evaluated at each saved state and the time integrals use the trapezoid rule, so any grid works.
 * `trajectory` is [T, batch, ...]; nothing passed in is disposed.
 */
export function trajectoryMetrics(v: VelocityField, times: readonly number[], trajectory: tf.Tensor): TrajectoryMetrics {
  const T = times.length;
  if (trajectory.shape[0] !== T || T < 2) throw new SolverInputError(`trajectoryMetrics: need at least 2 states and one time per state (got ${T} times for shape [${trajectory.shape.join(', ')}])`);
  if (Math.abs(times[0]) > 1e-9 || Math.abs(times[T - 1] - 1) > 1e-9) throw new SolverInputError('trajectoryMetrics: the trajectory must start at t = 0 and end at t = 1');
  return tf.tidy(() => {
    const states = tf.unstack(trajectory);
    const batch = states[0].shape[0];
    const dim = states[0].size / batch;
    const chord = tf.sub(states[T - 1], states[0]);
    const dev: number[] = [];
    const speed: number[] = [];
    for (let i = 0; i < T; i++) {
      const u = v(states[i], times[i]);
      const flat = tf.reshape(tf.sub(chord, u), [batch, dim]);
      dev.push(tf.mean(tf.square(flat)).dataSync()[0]);
      speed.push(tf.mean(tf.norm(tf.reshape(u, [batch, dim]), 'euclidean', 1)).dataSync()[0]);
    }
    let curvature = 0;
    let length = 0;
    for (let i = 0; i + 1 < T; i++) {
      const h = times[i + 1] - times[i];
      curvature += (h * (dev[i] + dev[i + 1])) / 2;
      length += (h * (speed[i] + speed[i + 1])) / 2;
    }
    const chordLength = tf.mean(tf.norm(tf.reshape(chord, [batch, dim]), 'euclidean', 1)).dataSync()[0];
    return { curvature, straightness: curvature * dim, pathLengthRatio: length > 0 ? chordLength / length : 1, nfe: T };
  });
}
