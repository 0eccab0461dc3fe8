import { checkFeatureDim } from './check-feature-dim';
import { FidInputError } from './errors';
import { gemmNT } from './linalg/gemm';

/** The mergeable state of {@link FeatureStatistics}: JSON-safe after `Array.from`, or transferable as is. */
export interface FeatureStatisticsState {
  dim: number;
  count: number;
  /** Running mean (dim). */
  mean: Float64Array;
  /** Sum of centred outer products (dim x dim, row-major, symmetric). */
  m2: Float64Array;
}

const CHUNK = 512;

/**
 * Streaming mean and covariance of feature rows in float64. Each chunk is centred on its own mean and its
 * scatter matrix formed with the blocked kernel; chunks (and states from other workers) are combined with the
 * pairwise update of Chan, Golub and LeVeque, so no sum of squares of raw values is ever formed and the
 * result is as stable as a two-pass computation. `covariance()` uses ddof = 1 like `np.cov`.
 */
export class FeatureStatistics {
  readonly dim: number;
  private n = 0;
  private readonly mu: Float64Array;
  private readonly m2: Float64Array;
  private readonly buf: Float64Array;
  private readonly chunkMean: Float64Array;

  /** `memoryLimitBytes`: the budget checked (for a whole Frechet distance) before the d x d accumulator is allocated. */
  constructor(dim: number, options: { memoryLimitBytes?: number } = {}) {
    if (!Number.isInteger(dim) || dim <= 0) throw new FidInputError(`FeatureStatistics: dimension must be a positive integer, got ${dim}`);
    checkFeatureDim(dim, options.memoryLimitBytes);
    this.dim = dim;
    this.mu = new Float64Array(dim);
    this.m2 = new Float64Array(dim * dim);
    this.buf = new Float64Array(dim * CHUNK);
    this.chunkMean = new Float64Array(dim);
  }

  /** Number of rows seen. */
  get count(): number {
    return this.n;
  }

  /** Adds rows given row-major (rows x dim); any numeric array type. Non-finite values are rejected. */
  add(features: ArrayLike<number>, source = 'features'): this {
    const d = this.dim;
    if (features.length % d !== 0) throw new FidInputError(`${source}: ${features.length} values is not a whole number of rows of ${d}`);
    const rows = features.length / d;
    for (let r0 = 0; r0 < rows; r0 += CHUNK) this.addChunk(features, r0, Math.min(rows, r0 + CHUNK), source);
    return this;
  }

  private addChunk(x: ArrayLike<number>, r0: number, r1: number, source: string): void {
    const d = this.dim;
    const nb = r1 - r0;
    const mb = this.chunkMean.fill(0);
    for (let r = r0; r < r1; r++) {
      const o = r * d;
      for (let j = 0; j < d; j++) {
        const value = x[o + j];
        if (!Number.isFinite(value)) throw new FidInputError(`${source}: row ${r}, column ${j} is not finite (${value})`);
        mb[j] += value;
      }
    }
    for (let j = 0; j < d; j++) mb[j] /= nb;
    // Centred chunk, transposed (dim x nb), so the scatter is the NT product Xc^T Xc.
    const xt = this.buf;
    for (let r = r0; r < r1; r++) {
      const o = r * d;
      const c = r - r0;
      for (let j = 0; j < d; j++) xt[j * nb + c] = x[o + j] - mb[j];
    }
    const scatter = new Float64Array(d * d);
    gemmNT(d, d, nb, 1, xt, 0, nb, xt, 0, nb, scatter, 0, d, { lowerOnly: true });
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) scatter[j * d + i] = scatter[i * d + j];
    this.combine(nb, mb, scatter);
  }

  private combine(nb: number, mb: Float64Array, m2b: Float64Array): void {
    const d = this.dim;
    const na = this.n;
    const n = na + nb;
    if (nb === 0) return;
    const f = (na * nb) / n;
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) delta[j] = mb[j] - this.mu[j];
    for (let i = 0; i < d; i++) {
      const o = i * d;
      const di = delta[i] * f;
      for (let j = 0; j < d; j++) this.m2[o + j] += m2b[o + j] + di * delta[j];
    }
    for (let j = 0; j < d; j++) this.mu[j] += delta[j] * (nb / n);
    this.n = n;
  }

  /** Folds another accumulator (another chunk stream or worker) into this one. */
  merge(other: FeatureStatistics | FeatureStatisticsState): this {
    if (other.dim !== this.dim) throw new FidInputError(`FeatureStatistics.merge: dimension ${other.dim} differs from ${this.dim}`);
    const state = other instanceof FeatureStatistics ? other.getState() : other;
    this.combine(state.count, Float64Array.from(state.mean), Float64Array.from(state.m2));
    return this;
  }

  getState(): FeatureStatisticsState {
    return { dim: this.dim, count: this.n, mean: Float64Array.from(this.mu), m2: Float64Array.from(this.m2) };
  }

  static fromState(state: FeatureStatisticsState): FeatureStatistics {
    const s = new FeatureStatistics(state.dim);
    s.merge(state);
    return s;
  }

  mean(): Float64Array {
    return Float64Array.from(this.mu);
  }

  /** Covariance (dim x dim, row-major) with `ddof` (default 1, as np.cov). */
  covariance(ddof = 1): Float64Array {
    const denom = this.n - ddof;
    if (denom <= 0) throw new FidInputError(`covariance needs more than ${ddof} row(s), got ${this.n}`);
    const out = new Float64Array(this.m2.length);
    for (let i = 0; i < out.length; i++) out[i] = this.m2[i] / denom;
    return out;
  }

  /** `{ mu, sigma }`, the pytorch-fid statistics. */
  stats(): { mu: Float64Array; sigma: Float64Array } {
    return { mu: this.mean(), sigma: this.covariance(1) };
  }
}

/** Mean and covariance (ddof = 1) of a (rows x dim) row-major feature matrix. */
export function featureStatistics(features: ArrayLike<number>, dim: number, source?: string): { mu: Float64Array; sigma: Float64Array } {
  return new FeatureStatistics(dim).add(features, source).stats();
}
