import type * as tfc from '@tensorflow/tfjs-core';
import { FidInputError } from '../../errors';
import type { FeatureExtractor, ImageBatch } from '../image-batch';
import { INCEPTION_FEATURE_DIM, INCEPTION_INPUT_SIZE } from './inception-architecture';
import { inceptionInput, type InceptionResize } from './inception-input';
import { InceptionNetwork } from './inception-network';
import { loadInceptionWeights, type InceptionWeights } from './inception-weights';

export interface InceptionExtractorOptions {
  /** Resizing to 299x299: 'pytorch-fid' (bilinear, default) or 'clean' (clean-fid's antialiased bicubic). */
  resize?: InceptionResize;
  /** Images per forward call (default 16): bounds memory, larger is a little faster. */
  batchSize?: number;
  /** Called after each forward call with the images done so far in this `extract` call and its total. */
  onProgress?: (done: number, total: number) => void;
  /** Name reported as `name` (default `inception`). */
  name?: string;
}

/**
 * pytorch-fid's FID Inception v3 on TensorFlow.js: 2048-d pool3 features, images in [0, 1] resized to 299x299
 * and scaled to [-1, 1] as pytorch-fid does (resize_input, normalize_input). Weights come from a local file or a
 * name -> tensor map with pytorch-fid's state-dict names; nothing is downloaded. Needs `@tensorflow/tfjs-core`
 * and a registered backend (wasm or tfjs-node are much faster than cpu).
 */
export class InceptionExtractor implements FeatureExtractor {
  readonly name: string;
  readonly dim = INCEPTION_FEATURE_DIM;
  private readonly net: InceptionNetwork;

  constructor(
    private readonly tf: typeof tfc,
    weights: InceptionWeights,
    private readonly options: InceptionExtractorOptions = {},
  ) {
    this.net = new InceptionNetwork(tf, weights);
    this.name = options.name ?? 'inception';
  }

  /** Loads weights from a `.safetensors` file (pytorch-fid's state-dict names). */
  static async load(file: string, options: InceptionExtractorOptions = {}): Promise<InceptionExtractor> {
    let tf: typeof tfc;
    try {
      tf = (await import('@tensorflow/tfjs-core')) as typeof tfc;
    } catch {
      throw new FidInputError('the Inception extractor needs the optional peer dependency @tensorflow/tfjs-core (npm install @tensorflow/tfjs-core)');
    }
    return new InceptionExtractor(tf, loadInceptionWeights(file), { name: `inception:${file}`, ...options });
  }

  async extract(images: ImageBatch): Promise<Float32Array> {
    const tf = this.tf;
    const batchSize = Math.max(1, this.options.batchSize ?? 16);
    const resize = this.options.resize ?? 'pytorch-fid';
    const S = INCEPTION_INPUT_SIZE;
    const out = new Float32Array(images.count * this.dim);
    for (let s = 0; s < images.count; s += batchSize) {
      const n = Math.min(batchSize, images.count - s);
      const x = tf.tensor4d(inceptionInput(images, s, n, resize), [n, S, S, 3]);
      const y = this.net.forward(x);
      x.dispose();
      out.set((await y.data()) as Float32Array, s * this.dim);
      y.dispose();
      this.options.onProgress?.(s + n, images.count);
    }
    return out;
  }

  dispose(): void {
    this.net.dispose();
  }
}
