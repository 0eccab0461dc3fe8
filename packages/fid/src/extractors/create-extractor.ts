import { FidInputError } from '../errors';
import { IdentityExtractor } from './identity-extractor';
import type { FeatureExtractor } from './image-batch';
import { InceptionExtractor, type InceptionExtractorOptions } from './inception/inception-extractor';
import { MnistExtractor } from './mnist-extractor';
import { TfjsModelExtractor, type TfjsModelExtractorOptions } from './tfjs-model-extractor';

export type CreateExtractorOptions = TfjsModelExtractorOptions & Omit<InceptionExtractorOptions, 'name'>;

/**
 * An extractor by name: `mnist` (built in), `identity` (flattened inputs), `inception:WEIGHTS` (pytorch-fid's
 * FID Inception v3 with weights from a local .safetensors file) or `tfjs:PATH` (a TensorFlow.js graph/layers
 * model directory or model.json on the local disk).
 */
export async function createExtractor(spec: string, options: CreateExtractorOptions = {}): Promise<FeatureExtractor> {
  if (spec === 'mnist') return new MnistExtractor();
  if (spec === 'identity') return new IdentityExtractor();
  if (spec.startsWith('tfjs:') && spec.length > 5) return TfjsModelExtractor.load(spec.slice(5), options);
  if (spec.startsWith('inception:') && spec.length > 10) return InceptionExtractor.load(spec.slice(10), { resize: options.resize, batchSize: options.batchSize, onProgress: options.onProgress });
  throw new FidInputError(`unknown extractor '${spec}' (expected mnist, identity, inception:WEIGHTS or tfjs:PATH)`);
}
