import type { FeatureExtractor, ImageBatch } from './image-batch';

/** Features are the flattened inputs themselves: for vector data (2-D toys, embeddings you computed). */
export class IdentityExtractor implements FeatureExtractor {
  readonly name = 'identity';
  dim = 0;

  async extract(images: ImageBatch): Promise<Float32Array> {
    this.dim = images.height * images.width * images.channels;
    return Float32Array.from(images.data);
  }
}
