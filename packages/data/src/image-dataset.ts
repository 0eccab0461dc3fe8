import type { Dataset } from './dataset';
import { ArraySampler } from './array-sampler';

/**
 * A finite image dataset held in memory, NHWC (TensorFlow.js layout), values in model space [-1, 1].
 */
export function imageDataset(name: string, data: Float32Array, shape: [number, number, number]): Dataset {
  const dim = shape[0] * shape[1] * shape[2];
  return {
    name,
    shape,
    dim,
    size: data.length / dim,
    normalization: { scale: 1, shift: 0 },
    kind: 'image',
    sampler: (rng) => new ArraySampler(data, dim, rng),
  };
}

/** A finite point (vector) dataset held in memory. */
export function pointDataset(name: string, data: Float32Array, dim: number): Dataset {
  return {
    name,
    shape: [dim],
    dim,
    size: data.length / dim,
    normalization: { scale: 1, shift: 0 },
    kind: 'points',
    sampler: (rng) => new ArraySampler(data, dim, rng),
  };
}
