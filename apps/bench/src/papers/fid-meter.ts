import { loadMnistDigits } from '@flow/data';
import { FeatureStatistics, frechetDistance, MnistExtractor, type GaussianStats } from '@flow/fid';
import { sampleModel, type CustomSolver, type SamplableModel } from '@flow/trainer';
import type { FixedStepMethod } from '@flow/solvers';

/** Pixels in [-1, 1] (the model's data space) as the extractor's [0, 1] batch. */
function toUnit(samples: Float32Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.min(1, Math.max(0, (samples[i]! + 1) / 2));
  return out;
}

const CHUNK = 500;

export interface FidValue {
  fid: number;
  count: number;
  nfe: number;
  seconds: number;
}

/**
 * FID with `@flow/fid`'s built-in MNIST extractor (64-d features) against all 10,000 digits of the training
 * set. Samples are seeded (`@flow/trainer`'s row streams), so every model is judged on the same noises.
 */
export class FidMeter {
  private readonly extractor = new MnistExtractor();
  private ref: GaussianStats | null = null;

  /** Feature statistics of images in [0, 1], extracted in chunks (the extractor holds a chunk's activations). */
  private async stats(images01: Float32Array, count: number): Promise<GaussianStats> {
    const acc = new FeatureStatistics(this.extractor.dim);
    for (let start = 0; start < count; start += CHUNK) {
      const n = Math.min(CHUNK, count - start);
      acc.add(await this.extractor.extract({ data: images01.subarray(start * 784, (start + n) * 784), count: n, height: 28, width: 28, channels: 1 }));
    }
    return acc.stats();
  }

  async reference(): Promise<GaussianStats> {
    if (!this.ref) {
      const { digits } = loadMnistDigits();
      this.ref = await this.stats(toUnit(digits), digits.length / 784);
    }
    return this.ref;
  }

  /** FID of `count` real digits (disjoint slices) against the reference: the floor at that sample size. */
  async realFloor(count: number, slices: number): Promise<number[]> {
    const { digits } = loadMnistDigits();
    const ref = await this.reference();
    const out: number[] = [];
    for (let k = 0; k < slices; k++) out.push(frechetDistance(await this.stats(toUnit(digits.subarray(k * count * 784, (k + 1) * count * 784)), count), ref));
    return out;
  }

  async measure(model: SamplableModel, solver: FixedStepMethod | CustomSolver, nfe: number, count: number, seed = 0): Promise<FidValue> {
    const t0 = performance.now();
    const r = await sampleModel(model, { solver, nfe, count, seed, batchSize: 128 });
    const fid = frechetDistance(await this.stats(toUnit(r.samples), count), await this.reference());
    return { fid, count, nfe: r.nfe, seconds: (performance.now() - t0) / 1000 };
  }
}
