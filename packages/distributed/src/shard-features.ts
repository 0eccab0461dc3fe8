import type { FeatureExtractor, ImageBatch } from '@flow/fid';
import type { SamplableModel } from '@flow/trainer';
import { DistributedInputError } from './errors';

/** The extractor name `auto` stands for: the MNIST network for one-channel images, the raw vectors for points. */
export function resolveExtractor(extractor: string, model: SamplableModel): string {
  if (extractor !== 'auto') return extractor;
  if (model.kind === 'points') return 'identity';
  if (model.shape[2] === 1) return 'mnist';
  throw new DistributedInputError(`extractor auto: no built-in extractor for ${model.shape.join('x')} images; give tfjs:PATH (e.g. Inception v3 pool features)`);
}

/** Samples (rows x dim, data space; images in [-1, 1]) as the batch an extractor reads (pixels in [0, 1]). */
export function samplesAsImages(samples: Float32Array, rows: number, model: SamplableModel): ImageBatch {
  if (model.kind === 'points') return { data: samples, count: rows, height: 1, width: model.dim, channels: 1 };
  const [height, width, channels] = model.shape;
  const data = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) data[i] = (samples[i] + 1) / 2;
  return { data, count: rows, height, width, channels };
}

/** Features of samples, (rows x extractor.dim) row-major. */
export async function extractFeatures(extractor: FeatureExtractor, samples: Float32Array, rows: number, model: SamplableModel): Promise<Float32Array> {
  return extractor.extract(samplesAsImages(samples, rows, model));
}
