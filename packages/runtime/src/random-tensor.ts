import * as tf from '@tensorflow/tfjs-core';

/** The part of `@flow/random`'s Rng this package needs (structural, so any seeded source fits). */
export interface RngLike {
  fillNormal(out: Float32Array): Float32Array;
  fillUniform(out: Float32Array): Float32Array;
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`shape: expected non-negative integers, got [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** A float32 tensor of N(mean, std^2) draws from `rng` (C order), so the same seed gives the same tensor on every backend. */
export function randomNormalTensor(shape: readonly number[], rng: RngLike, mean = 0, std = 1): tf.Tensor {
  const data = rng.fillNormal(new Float32Array(size(shape)));
  if (mean !== 0 || std !== 1) for (let i = 0; i < data.length; i++) data[i] = mean + std * data[i];
  return tf.tensor(data, [...shape], 'float32');
}

/** A float32 tensor of U[min, max) draws from `rng` (C order). */
export function randomUniformTensor(shape: readonly number[], rng: RngLike, min = 0, max = 1): tf.Tensor {
  const data = rng.fillUniform(new Float32Array(size(shape)));
  if (min !== 0 || max !== 1) for (let i = 0; i < data.length; i++) data[i] = min + (max - min) * data[i];
  return tf.tensor(data, [...shape], 'float32');
}
