import { FidInputError } from '../errors';
import { IdentityExtractor } from './identity-extractor';
import type { FeatureExtractor } from './image-batch';
import { MnistExtractor } from './mnist-extractor';
import { TfjsModelExtractor, type TfjsModelExtractorOptions } from './tfjs-model-extractor';

/**
 * An extractor by name: `mnist` (built in), `identity` (flattened inputs), or `tfjs:PATH` (a TensorFlow.js
 * graph/layers model directory or model.json on the local disk).
 */
export async function createExtractor(spec: string, options: TfjsModelExtractorOptions = {}): Promise<FeatureExtractor> {
  if (spec === 'mnist') return new MnistExtractor();
  if (spec === 'identity') return new IdentityExtractor();
  if (spec.startsWith('tfjs:') && spec.length > 5) return TfjsModelExtractor.load(spec.slice(5), options);
  throw new FidInputError(`unknown extractor '${spec}' (expected mnist, identity or tfjs:PATH)`);
}
