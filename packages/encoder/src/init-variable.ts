import * as tf from '@tensorflow/tfjs-core';
import type { RngLike } from './gaussian-encoder';

/**
 * A variable of N(0, std^2) draws from `rng` (same seed, same weights on every backend). Variables stay
 * unnamed in the tfjs engine (names there are global); callers key them by name in a record.
 */
export function normalVariable(shape: number[], std: number, rng: RngLike): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = rng.fillNormal(new Float32Array(n));
  for (let i = 0; i < n; i++) data[i] = data[i]! * std;
  const init = tf.tensor(data, shape, 'float32');
  const v = tf.variable(init, true);
  init.dispose();
  return v;
}

export function zeroVariable(shape: number[]): tf.Variable {
  const init = tf.zeros(shape, 'float32');
  const v = tf.variable(init, true);
  init.dispose();
  return v;
}
