import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as tfc from '@tensorflow/tfjs-core';
import { FidInputError } from '../errors';
import { resizeBicubicAntialiased } from '@flow/data';
import type { FeatureExtractor, ImageBatch } from './image-batch';

export interface TfjsModelExtractorOptions {
  /** Input height and width; default: the model's declared input shape. Images are resized to it antialiased. */
  inputSize?: [number, number];
  /** Pixel range the model expects; images in [0, 1] are mapped linearly. Default [0, 255] (TF Inception graphs). */
  inputRange?: [number, number];
  /** Graph models: the output node to read (e.g. 'pool_3'); default the model's first output. */
  outputNode?: string;
  /** Images per forward call (default 32). */
  batchSize?: number;
}

interface ManifestGroup {
  paths: string[];
  weights: tfc.io.WeightsManifestEntry[];
}

interface Loaded {
  predict(x: tfc.Tensor): tfc.Tensor;
  inputShape: (number | null)[] | undefined;
  dispose(): void;
}

async function optionalPeer<T>(name: string, why: string): Promise<T> {
  try {
    // Loaded only when a TensorFlow.js extractor is used: these peers are optional.
    return (await import(name)) as T;
  } catch {
    throw new FidInputError(`${why} needs the optional peer dependency ${name} (npm install ${name})`);
  }
}

/** Reads a TensorFlow.js model directory (model.json + weight shards) from the local disk. */
function readArtifacts(modelPath: string): tfc.io.ModelArtifacts & { format?: string } {
  const jsonPath = modelPath.endsWith('.json') ? modelPath : path.join(modelPath, 'model.json');
  let json: { modelTopology?: unknown; weightsManifest?: ManifestGroup[]; format?: string; signature?: unknown; userDefinedMetadata?: Record<string, unknown>; modelInitializer?: unknown };
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch (error) {
    throw new FidInputError(`${jsonPath}: cannot read a TensorFlow.js model.json (${(error as Error).message})`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new FidInputError(`${jsonPath}: not a TensorFlow.js model (expected 'modelTopology' and 'weightsManifest')`);
  }
  const dir = path.dirname(jsonPath);
  const buffers: Uint8Array[] = [];
  const weightSpecs: tfc.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      try {
        buffers.push(readFileSync(path.join(dir, p)));
      } catch {
        throw new FidInputError(`${jsonPath}: weight shard '${p}' cannot be read`);
      }
    }
    weightSpecs.push(...group.weights);
  }
  const total = buffers.reduce((a, b) => a + b.length, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const b of buffers) {
    weightData.set(b, o);
    o += b.length;
  }
  return {
    modelTopology: json.modelTopology as tfc.io.ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData: weightData.buffer,
    format: json.format,
    signature: json.signature as tfc.io.ModelArtifacts['signature'],
    userDefinedMetadata: json.userDefinedMetadata as tfc.io.ModelArtifacts['userDefinedMetadata'],
    modelInitializer: json.modelInitializer as tfc.io.ModelArtifacts['modelInitializer'],
  };
}

/**
 * A user-supplied TensorFlow.js graph model (tfjs-converter) or layers model (tfjs-layers) read from a local
 * directory, e.g. the 2048-d pool features of Inception v3 converted with `tensorflowjs_converter` (see the
 * README). Needs `@tensorflow/tfjs-core` plus the matching optional peer and a registered backend.
 */
export class TfjsModelExtractor implements FeatureExtractor {
  readonly name: string;
  dim = 0;
  private constructor(
    private readonly tf: typeof tfc,
    private readonly model: Loaded,
    private readonly options: TfjsModelExtractorOptions,
    modelPath: string,
  ) {
    this.name = `tfjs:${modelPath}`;
  }

  static async load(modelPath: string, options: TfjsModelExtractorOptions = {}): Promise<TfjsModelExtractor> {
    const tf = await optionalPeer<typeof tfc>('@tensorflow/tfjs-core', 'a TensorFlow.js extractor');
    const artifacts = readArtifacts(modelPath);
    const handler: tfc.io.IOHandler = { load: async () => artifacts };
    let model: Loaded;
    if (artifacts.format === 'layers-model') {
      const tfl = await optionalPeer<{ loadLayersModel(h: tfc.io.IOHandler): Promise<{ predict(x: tfc.Tensor): tfc.Tensor | tfc.Tensor[]; inputs: { shape: (number | null)[] }[]; dispose(): void }> }>(
        '@tensorflow/tfjs-layers',
        'a layers model',
      );
      const m = await tfl.loadLayersModel(handler);
      model = {
        predict: (x) => {
          const y = m.predict(x);
          return Array.isArray(y) ? y[0] : y;
        },
        inputShape: m.inputs[0]?.shape,
        dispose: () => m.dispose(),
      };
    } else {
      const conv = await optionalPeer<{ loadGraphModel(h: tfc.io.IOHandler): Promise<{ execute(x: tfc.Tensor, out?: string): tfc.Tensor | tfc.Tensor[]; inputs: { shape?: number[] }[]; dispose(): void }> }>(
        '@tensorflow/tfjs-converter',
        'a graph model',
      );
      const m = await conv.loadGraphModel(handler);
      model = {
        predict: (x) => {
          const y = m.execute(x, options.outputNode);
          return Array.isArray(y) ? y[0] : y;
        },
        inputShape: m.inputs[0]?.shape,
        dispose: () => m.dispose(),
      };
    }
    return new TfjsModelExtractor(tf, model, options, modelPath);
  }

  private inputSize(images: ImageBatch): [number, number] {
    if (this.options.inputSize) return this.options.inputSize;
    const s = this.model.inputShape;
    const h = s?.[1];
    const w = s?.[2];
    if (typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0) return [h, w];
    return [images.height, images.width];
  }

  async extract(images: ImageBatch): Promise<Float32Array> {
    const tf = this.tf;
    const [h, w] = this.inputSize(images);
    const [lo, hi] = this.options.inputRange ?? [0, 255];
    const c = images.channels;
    const per = images.height * images.width * c;
    const batchSize = this.options.batchSize ?? 32;
    const parts: Float32Array[] = [];
    for (let s = 0; s < images.count; s += batchSize) {
      const n = Math.min(batchSize, images.count - s);
      const x = new Float32Array(n * h * w * c);
      for (let i = 0; i < n; i++) {
        const img = images.data.subarray((s + i) * per, (s + i + 1) * per);
        const r = images.height === h && images.width === w ? img : resizeBicubicAntialiased(img, images.height, images.width, c, h, w);
        for (let k = 0; k < r.length; k++) x[i * h * w * c + k] = lo + (hi - lo) * r[k];
      }
      const input = tf.tensor4d(x, [n, h, w, c]);
      const y = this.model.predict(input);
      const data = (await y.data()) as Float32Array;
      input.dispose();
      y.dispose();
      const dim = data.length / n;
      if (this.dim === 0) this.dim = dim;
      else if (dim !== this.dim) throw new Error(`${this.name}: feature size changed from ${this.dim} to ${dim}`);
      parts.push(Float32Array.from(data));
    }
    const out = new Float32Array(images.count * this.dim);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }
}
