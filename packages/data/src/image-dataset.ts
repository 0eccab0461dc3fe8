import type { Dataset, DatasetLabels } from './dataset';
import { ArraySampler } from './array-sampler';

function labelFields(labels: DatasetLabels | undefined): Pick<Dataset, 'classes' | 'classNames'> {
  if (!labels) return {};
  return { classes: labels.classes, ...(labels.names ? { classNames: labels.names } : {}) };
}

/**
 * A finite image dataset held in memory, NHWC (TensorFlow.js layout), values in model space [-1, 1].
 * With `labels`, its samplers hand out each drawn row's class (`takeLabels`).
 */
export function imageDataset(name: string, data: Float32Array, shape: [number, number, number], labels?: DatasetLabels): Dataset {
  const dim = shape[0] * shape[1] * shape[2];
  return {
    name,
    shape,
    dim,
    size: data.length / dim,
    normalization: { scale: 1, shift: 0 },
    kind: 'image',
    ...labelFields(labels),
    sampler: (rng) => new ArraySampler(data, dim, rng, labels?.values),
  };
}

/** A finite point (vector) dataset held in memory, optionally labelled. */
export function pointDataset(name: string, data: Float32Array, dim: number, labels?: DatasetLabels): Dataset {
  return {
    name,
    shape: [dim],
    dim,
    size: data.length / dim,
    normalization: { scale: 1, shift: 0 },
    kind: 'points',
    ...labelFields(labels),
    sampler: (rng) => new ArraySampler(data, dim, rng, labels?.values),
  };
}
