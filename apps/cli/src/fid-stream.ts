import { FeatureStatistics, type FeatureExtractor, type ImageBatch } from '@flow/fid';
import { log } from './print-json';

export interface StreamedSide {
  mu: Float64Array;
  sigma: Float64Array;
  count: number;
  /** The running statistics themselves (mergeable: what --save-stats writes). */
  acc: FeatureStatistics;
  /** All feature rows, kept only when asked (KID needs them). */
  features?: Float64Array;
}

/**
 * Features of images that arrive in chunks: the running mean and covariance are updated per chunk, so memory
 * stays bounded by one chunk (plus the features themselves when `keepFeatures`, for KID). Progress on stderr.
 */
export async function streamFeatureStats(
  label: string,
  total: number,
  chunks: Iterable<ImageBatch>,
  extractor: FeatureExtractor,
  keepFeatures: boolean,
  quiet: boolean,
): Promise<StreamedSide> {
  let acc: FeatureStatistics | undefined;
  const kept: Float32Array[] = [];
  let done = 0;
  const t0 = performance.now();
  let lastLog = 0;
  for (const batch of chunks) {
    const f = await extractor.extract(batch);
    acc ??= new FeatureStatistics(extractor.dim);
    acc.add(f, label);
    if (keepFeatures) kept.push(f);
    done += batch.count;
    const now = performance.now();
    if (!quiet && (now - lastLog > 2000 || done === total)) {
      lastLog = now;
      const rate = done / ((now - t0) / 1000);
      log(`flow fid: ${label}: ${done}/${total} images (${rate.toFixed(1)} images/s)`);
    }
  }
  if (!acc) throw new Error(`${label}: no images`);
  const { mu, sigma } = acc.stats();
  let features: Float64Array | undefined;
  if (keepFeatures) {
    features = new Float64Array(done * extractor.dim);
    let o = 0;
    for (const k of kept) {
      features.set(k, o);
      o += k.length;
    }
  }
  return { mu, sigma, count: done, acc, features };
}
