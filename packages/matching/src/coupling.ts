import { Rng, type RngState } from '@flow/random';
import { MatchingInputError } from './errors';
import { greedyAssign } from './greedy-match';
import { solveAssignment } from './lap/solve-assignment';
import { pairCost, rowSqDist } from './pair-cost';
import { checkFits } from './scope-limit';
import { createNativePoolCost } from './cost/native-pool-cost';
import { createWasmPoolCost, type PoolCost, type PoolCostFactory, type PoolDistances } from './cost/pool-cost';
import { pickAutoBackend } from './cost/registry';
import { entropicScopeAssign, type EntropicCouplingOptions } from './entropic/entropic-scope';
import { ENTROPIC_SOLVERS, type EntropicSolver } from './entropic/entropic-solve';

/** A training batch: row b of `data` is paired with row b of `noise` (t = 0 noise, t = 1 data). */
export interface PairBatch {
  data: Float32Array;
  noise: Float32Array;
  batch: number;
  dim: number;
}

/** The trainer's data stream: `draw(count)` returns the next `count` rows (its own seeded order). */
export interface DataSampler {
  dim: number;
  draw(count: number): Float32Array;
  /** Number of distinct rows, when known (`ot` refuses a scope larger than the data). */
  size?: number;
}

/** Everything a coupling needs to continue bit for bit after a restart. */
export interface CouplingSnapshot {
  meta: Record<string, unknown>;
  arrays: Record<string, Float32Array | Int32Array | Uint8Array>;
}

export interface CouplingStats {
  name: string;
  batches: number;
  pairs: number;
  /** Mean over served pairs of |x - z|^2 for the pairing the independent coupling would have used. */
  meanSqPathBefore: number;
  /** Mean over served pairs of |x - z|^2 for the pairs actually served. */
  meanSqPathAfter: number;
  /** 1 - after / before. */
  reduction: number;
  /** Seconds spent matching (distances + assignment), not drawing. */
  seconds: number;
  secondsCost: number;
  secondsAssign: number;
  /** Matching problems solved: pools drawn (dansm) or scopes solved (ot). */
  scopes: number;
  costBackend: string;
}

/** How a pair's closeness is measured. Default: squared L2 between the raw flattened rows. */
export interface FeatureDistance {
  readonly name: string;
  /** Features of data rows (count x dim in, count x featureDim out). */
  dataFeatures(rows: Float32Array, count: number, dim: number): Float32Array | Promise<Float32Array>;
  /** Features of noise rows, e.g. an embedding of what the current model generates from each noise (DANSM's sscd). */
  noiseFeatures(rows: Float32Array, count: number, dim: number): Float32Array | Promise<Float32Array>;
  /** 'sqeuclidean' (default): nearest = smallest |f(x) - g(z)|^2. 'dot': nearest = largest f(x) . g(z), as sscd. */
  metric?: 'sqeuclidean' | 'dot';
}

/**
 * The coupling protocol of the toolkit: what a trainer calls once per step for a batch of (data, noise)
 * pairs, with a snapshot that continues it bit for bit. `Name` is the coupling's literal name: the built-ins
 * are `Coupling<CouplingKind>`; packages that wrap one (e.g. `@flow/encoder`'s `EncoderCoupling`) name theirs.
 */
export interface Coupling<Name extends string = CouplingKind> {
  readonly name: Name;
  next(batchSize: number): Promise<PairBatch>;
  stats(): CouplingStats;
  snapshot(): CouplingSnapshot;
  restore(s: CouplingSnapshot): void;
}

export type CouplingKind = 'independent' | 'dansm' | 'ot' | EntropicSolver;

export interface CouplingOptions {
  sampler: DataSampler;
  /** Draws the noise. The coupling owns it from now on (pass a fork); `restore` replaces it by the saved state. */
  rng: Rng;
  /** Match scope: the noise pool size (dansm) or the assignment size (ot). Default 1000. */
  ms?: number;
  /** Distance backend name passed to the cost module ('auto', 'cpu', ...). */
  costBackend?: string;
  /**
   * dansm: the kernel for the batch x pool distances, with the pool prepared once per draw (default: the pool
   * kernel of `costBackend` when it is 'native' (`@flow/native`'s sgemm) or 'wasm', or 'auto' and auto picks
   * one of those; otherwise the cost backend per batch). Another GEMM plugs in here. Not used with a feature `distance`.
   */
  poolCost?: PoolCostFactory;
  distance?: FeatureDistance;
  /** Rows per `next()` call the caller plans (default 256): dansm's distance block is batch x ms. For the memory check only. */
  batch?: number;
  /** Memory budget in bytes for the pool and the distance matrices (default: what the machine has available). */
  memoryLimitBytes?: number;
  /** `sinkhorn` / `unbalanced` / `partial`: reg, regM, mass, pairing (default `sample`: a permutation drawn from the plan). */
  entropic?: EntropicCouplingOptions;
}

/** Creates the coupling the trainer calls once per step: independent pairs, DANSM's greedy pool, or exact OT per scope. */
export function createCoupling<K extends CouplingKind>(kind: K, opts: CouplingOptions): Coupling<K> {
  return createBuiltin(kind, opts) as Coupling<K>;
}

function createBuiltin(kind: CouplingKind, opts: CouplingOptions): Coupling {
  const ms = opts.ms ?? 1000;
  if (!Number.isInteger(ms) || ms < 1) throw new MatchingInputError(`coupling: ms must be a positive integer, got ${ms}`);
  if (!Number.isInteger(opts.sampler.dim) || opts.sampler.dim < 1) throw new MatchingInputError(`coupling: sampler.dim must be a positive integer, got ${opts.sampler.dim}`);
  switch (kind) {
    case 'independent':
      return new IndependentCoupling(opts);
    case 'dansm': {
      const dim = opts.sampler.dim;
      const batch = opts.batch ?? 256;
      // The float32 pool, its used flags, and one batch x ms float32 distance block (plus the cost backend's copy).
      checkFits({
        label: 'coupling dansm',
        field: 'ms',
        value: ms,
        bytes: (v) => v * (4 * dim + 1) + 8 * Math.min(batch, v) * v,
        elements: (v) => Math.max(v * dim, Math.min(batch, v) * v),
        remedies: ['lower batch'],
        memoryLimitBytes: opts.memoryLimitBytes,
      });
      return new DansmCoupling(opts, ms);
    }
    case 'ot':
      if (opts.sampler.size !== undefined && ms > opts.sampler.size) {
        throw new MatchingInputError(`coupling ot: ms = ${ms} is larger than the data (${opts.sampler.size} rows)`);
      }
      // The float32 ms x ms cost matrix, plus data, noise and matched rows and the solver's O(ms) arrays.
      checkFits({
        label: 'coupling ot',
        field: 'ms',
        value: ms,
        bytes: (v) => 4 * v * v + 12 * v * opts.sampler.dim + 64 * v,
        elements: (v) => v * v,
        remedies: ["use coupling 'dansm' (a pool of ms noises: batch x ms distances)"],
        memoryLimitBytes: opts.memoryLimitBytes,
      });
      return new OtCoupling(opts, ms);
    case 'sinkhorn':
    case 'unbalanced':
    case 'partial': {
      if (opts.sampler.size !== undefined && ms > opts.sampler.size) {
        throw new MatchingInputError(`coupling ${kind}: ms = ${ms} is larger than the data (${opts.sampler.size} rows)`);
      }
      // float32 distances, then float64 scaled cost, kernel, plan and rounding per scope entry.
      checkFits({
        label: `coupling ${kind}`,
        field: 'ms',
        value: ms,
        bytes: (v) => 36 * v * v + 12 * v * opts.sampler.dim,
        elements: (v) => v * v,
        remedies: ["use coupling 'dansm' (a pool of ms noises: batch x ms distances)"],
        memoryLimitBytes: opts.memoryLimitBytes,
      });
      const entropic = opts.entropic ?? {};
      // Same scope mechanics as exact OT; only the pairing of a scope differs.
      return new OtCoupling(opts, ms, kind, (cost, n, rng) => entropicScopeAssign(kind, cost, n, entropic, rng));
    }
    default:
      throw new MatchingInputError(`coupling: unknown kind '${String(kind)}' (expected independent, dansm, ot or ${ENTROPIC_SOLVERS.join(', ')})`);
  }
}

function checkBatch(name: string, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new MatchingInputError(`coupling ${name}: batch size must be a positive integer, got ${batchSize}`);
}

function drawRows(sampler: DataSampler, count: number): Float32Array {
  const rows = sampler.draw(count);
  if (rows.length !== count * sampler.dim) {
    throw new MatchingInputError(`coupling: sampler.draw(${count}) returned ${rows.length} values, expected ${count} x ${sampler.dim}`);
  }
  return rows;
}

abstract class BaseCoupling implements Coupling {
  abstract readonly name: CouplingKind;
  protected rng: Rng;
  protected readonly sampler: DataSampler;
  protected readonly dim: number;
  protected readonly costBackend: string;
  protected readonly memoryLimitBytes: number | undefined;
  protected readonly distance: FeatureDistance | undefined;
  protected counters = { batches: 0, pairs: 0, sumBefore: 0, sumAfter: 0, secondsCost: 0, secondsAssign: 0, scopes: 0 };
  protected lastBackend = 'none';

  constructor(opts: CouplingOptions) {
    this.rng = opts.rng;
    this.sampler = opts.sampler;
    this.dim = opts.sampler.dim;
    this.costBackend = opts.costBackend ?? 'auto';
    this.memoryLimitBytes = opts.memoryLimitBytes;
    this.distance = opts.distance;
  }

  abstract next(batchSize: number): Promise<PairBatch>;

  stats(): CouplingStats {
    const c = this.counters;
    const before = c.pairs ? c.sumBefore / c.pairs : 0;
    const after = c.pairs ? c.sumAfter / c.pairs : 0;
    return {
      name: this.name,
      batches: c.batches,
      pairs: c.pairs,
      meanSqPathBefore: before,
      meanSqPathAfter: after,
      reduction: before > 0 ? 1 - after / before : 0,
      seconds: c.secondsCost + c.secondsAssign,
      secondsCost: c.secondsCost,
      secondsAssign: c.secondsAssign,
      scopes: c.scopes,
      costBackend: this.lastBackend,
    };
  }

  snapshot(): CouplingSnapshot {
    return { meta: { kind: this.name, dim: this.dim, rng: this.rng.getState(), counters: { ...this.counters }, lastBackend: this.lastBackend, ...this.extraMeta() }, arrays: this.extraArrays() };
  }

  restore(s: CouplingSnapshot): void {
    if (s.meta.kind !== this.name) throw new MatchingInputError(`coupling: snapshot is for '${String(s.meta.kind)}', not '${this.name}'`);
    if (s.meta.dim !== this.dim) throw new MatchingInputError(`coupling: snapshot has dim ${String(s.meta.dim)}, expected ${this.dim}`);
    this.rng = Rng.fromState(s.meta.rng as RngState);
    this.counters = { ...(s.meta.counters as BaseCoupling['counters']) };
    this.lastBackend = String(s.meta.lastBackend ?? 'none');
    this.restoreExtra(s);
  }

  protected extraMeta(): Record<string, unknown> {
    return {};
  }
  protected extraArrays(): Record<string, Float32Array | Int32Array | Uint8Array> {
    return {};
  }
  protected restoreExtra(_s: CouplingSnapshot): void {}

  protected record(data: Float32Array, noise: Float32Array, before: number, batch: number): void {
    let after = 0;
    for (let b = 0; b < batch; b++) after += rowSqDist(data, b, noise, b, this.dim);
    this.counters.batches++;
    this.counters.pairs += batch;
    this.counters.sumBefore += before;
    this.counters.sumAfter += after;
  }

  /** Distance block between data rows and noise rows: raw squared L2, or through the feature distance. */
  protected async distances(data: Float32Array, rows: number, noise: Float32Array, noiseFeatures: Float32Array | null, cols: number): Promise<Float32Array | Float64Array> {
    const t0 = performance.now();
    let result: Float32Array | Float64Array;
    if (!this.distance) {
      const r = await pairCost(data, noise, rows, cols, this.dim, { backend: this.costBackend, memoryLimitBytes: this.memoryLimitBytes });
      this.lastBackend = r.backend;
      result = r.cost;
    } else {
      const fx = await this.distance.dataFeatures(data, rows, this.dim);
      const fz = noiseFeatures ?? (await this.distance.noiseFeatures(noise, cols, this.dim));
      const fd = fx.length / rows;
      if (!Number.isInteger(fd) || fz.length !== cols * fd) {
        throw new MatchingInputError(`coupling: feature distance '${this.distance.name}' returned ${fx.length} and ${fz.length} values for ${rows} and ${cols} rows (feature sizes differ)`);
      }
      if (this.distance.metric === 'dot') {
        result = new Float64Array(rows * cols);
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            let s = 0;
            for (let k = 0; k < fd; k++) s += fx[i * fd + k]! * fz[j * fd + k]!;
            result[i * cols + j] = -s;
          }
        }
        this.lastBackend = `feature:${this.distance.name}`;
      } else {
        const r = await pairCost(fx, fz, rows, cols, fd, { backend: this.costBackend, memoryLimitBytes: this.memoryLimitBytes });
        this.lastBackend = `feature:${this.distance.name}/${r.backend}`;
        result = r.cost;
      }
    }
    this.counters.secondsCost += (performance.now() - t0) / 1000;
    return result;
  }
}

/** Plain flow matching: fresh data, fresh noise, no matching. */
class IndependentCoupling extends BaseCoupling {
  readonly name = 'independent';

  async next(batchSize: number): Promise<PairBatch> {
    checkBatch(this.name, batchSize);
    const data = drawRows(this.sampler, batchSize);
    const noise = this.rng.fillNormal(new Float32Array(batchSize * this.dim));
    let before = 0;
    for (let b = 0; b < batchSize; b++) before += rowSqDist(data, b, noise, b, this.dim);
    this.record(data, noise, before, batchSize);
    return { data, noise, batch: batchSize, dim: this.dim };
  }
}

/**
 * DANSM (Shifeng Xu et al.): a pool of `ms` noises lives across batches; each data row, in order, takes the
 * nearest still-unused pool noise; a fresh pool is drawn once all `ms` are used (inside a batch if ms < batch).
 */
class DansmCoupling extends BaseCoupling {
  readonly name = 'dansm';
  private pool: Float32Array | null = null;
  private poolFeatures: Float32Array | null = null;
  private used: Uint8Array;
  private nUsed = 0;
  private readonly poolCostFactory: PoolCostFactory | undefined;
  private readonly plannedBatch: number;
  /** The pool kernel and the batch size it was made for; `none` once this coupling settled on per-batch costs. */
  private poolCost: { kernel: PoolCost; maxRows: number } | 'none' | null = null;
  /** The pool the kernel holds (packed once per draw or restore). */
  private packed: Float32Array | null = null;

  constructor(
    opts: CouplingOptions,
    private readonly ms: number,
  ) {
    super(opts);
    this.used = new Uint8Array(ms);
    this.poolCostFactory = opts.poolCost;
    this.plannedBatch = opts.batch ?? 256;
  }

  /** Makes the pool kernel (see CouplingOptions.poolCost), or null when distances go through the cost module. */
  private async makeKernel(maxRows: number): Promise<PoolCost | null> {
    if (this.distance) return null;
    if (this.poolCostFactory) return this.poolCostFactory(this.ms, this.dim, maxRows);
    let kind = this.costBackend;
    if (kind === 'auto') {
      const probe = { x: new Float32Array(0), z: new Float32Array(0), rows: maxRows, cols: this.ms, dim: this.dim, mean: new Float64Array(0), precision: 'float32' as const };
      const pick = await pickAutoBackend(probe).catch(() => null);
      kind = pick?.backend.name ?? 'none';
    }
    if (kind !== 'wasm' && kind !== 'native') return null;
    try {
      return kind === 'native' ? await createNativePoolCost(this.ms, this.dim, maxRows) : await createWasmPoolCost(this.ms, this.dim, maxRows);
    } catch (e) {
      if (this.costBackend !== 'auto') throw e;
      return null;
    }
  }

  /** Distances of `rows` data rows to the pool through the pool kernel (packing the pool if it changed), or null. */
  private async poolDistances(chunk: Float32Array, rows: number): Promise<PoolDistances | null> {
    if (this.poolCost === 'none') return null;
    const t0 = performance.now();
    if (this.poolCost === null || rows > this.poolCost.maxRows) {
      // A batch larger than the kernel was made for: a new one (rare; the trainer's batch size is fixed).
      if (this.poolCost) this.poolCost.kernel.dispose();
      const maxRows = Math.min(this.ms, Math.max(rows, this.plannedBatch));
      const kernel = await this.makeKernel(maxRows);
      this.poolCost = kernel ? { kernel, maxRows } : 'none';
      this.packed = null;
      if (!kernel) return null;
    }
    if (this.poolCost === 'none') return null;
    const k = this.poolCost.kernel;
    if (this.packed !== this.pool) {
      await k.setPool(this.pool!);
      this.packed = this.pool;
      // A pool restored (or a kernel made) mid-cycle: the kernel drops what is used already.
      if (k.retire && this.nUsed > 0) {
        const usedIdx = new Int32Array(this.ms);
        let n = 0;
        for (let j = 0; j < this.ms; j++) if (this.used[j]) usedIdx[n++] = j;
        k.retire(usedIdx, n);
      }
    }
    const d = await k.distances(chunk, rows);
    this.lastBackend = k.name;
    this.counters.secondsCost += (performance.now() - t0) / 1000;
    return d;
  }

  private async drawPool(): Promise<void> {
    this.pool = this.rng.fillNormal(new Float32Array(this.ms * this.dim));
    this.used.fill(0);
    this.nUsed = 0;
    this.poolFeatures = this.distance ? await this.distance.noiseFeatures(this.pool, this.ms, this.dim) : null;
    this.counters.scopes++;
  }

  async next(batchSize: number): Promise<PairBatch> {
    checkBatch(this.name, batchSize);
    const dim = this.dim;
    const data = drawRows(this.sampler, batchSize);
    const noise = new Float32Array(batchSize * dim);
    let before = 0;
    let b0 = 0;
    while (b0 < batchSize) {
      if (!this.pool || this.nUsed === this.ms) await this.drawPool();
      const pool = this.pool!;
      const rows = Math.min(batchSize - b0, this.ms - this.nUsed);
      const chunk = data.subarray(b0 * dim, (b0 + rows) * dim);
      const fast = await this.poolDistances(chunk, rows);
      const dist = fast ? fast.cost : await this.distances(chunk, rows, pool, this.poolFeatures, this.ms);
      const ld = fast ? fast.ld : this.ms;
      const t0 = performance.now();
      // Unmatched reference: the pool noises in the order they were drawn.
      let order = 0;
      const unusedInOrder: number[] = [];
      for (let k = 0; k < this.ms && unusedInOrder.length < rows; k++) if (!this.used[k]) unusedInOrder.push(k);
      const kernel = fast && this.poolCost !== 'none' ? this.poolCost?.kernel : undefined;
      const pick = fast && kernel?.assign ? kernel.assign(fast, rows, this.used) : greedyAssign(dist, rows, this.ms, this.used, ld, fast?.index);
      // The pool kernel skips these from the next batch on (its GEMM shrinks with the unused pool).
      kernel?.retire?.(pick, rows);
      for (let r = 0; r < rows; r++) {
        const k = pick[r]!;
        noise.set(pool.subarray(k * dim, (k + 1) * dim), (b0 + r) * dim);
        before += rowSqDist(chunk, r, pool, unusedInOrder[order++]!, dim);
      }
      this.nUsed += rows;
      this.counters.secondsAssign += (performance.now() - t0) / 1000;
      b0 += rows;
    }
    this.record(data, noise, before, batchSize);
    return { data, noise, batch: batchSize, dim };
  }

  protected override extraMeta(): Record<string, unknown> {
    return { ms: this.ms, nUsed: this.nUsed, hasPool: this.pool !== null };
  }
  protected override extraArrays(): Record<string, Float32Array | Int32Array | Uint8Array> {
    const a: Record<string, Float32Array | Int32Array | Uint8Array> = { used: this.used.slice() };
    if (this.pool) a.pool = this.pool.slice();
    if (this.poolFeatures) a.poolFeatures = this.poolFeatures.slice();
    return a;
  }
  protected override restoreExtra(s: CouplingSnapshot): void {
    if (s.meta.ms !== this.ms) throw new MatchingInputError(`coupling dansm: snapshot has ms ${String(s.meta.ms)}, expected ${this.ms}`);
    this.nUsed = Number(s.meta.nUsed);
    this.used = Uint8Array.from(s.arrays.used ?? new Uint8Array(this.ms));
    this.pool = s.meta.hasPool && s.arrays.pool ? Float32Array.from(s.arrays.pool) : null;
    this.poolFeatures = s.arrays.poolFeatures ? Float32Array.from(s.arrays.poolFeatures) : null;
  }
}

/**
 * Minibatch optimal transport: draw `ms` data rows and `ms` noises, solve the exact assignment, serve the
 * matched pairs in batches; a batch that crosses the end of a scope takes the rest of it and starts the next.
 */
class OtCoupling extends BaseCoupling {
  private scopeData: Float32Array | null = null;
  private scopeNoise: Float32Array | null = null;
  private pos = 0;

  constructor(
    opts: CouplingOptions,
    private readonly ms: number,
    readonly name: 'ot' | EntropicSolver = 'ot',
    private readonly assign: (cost: Float32Array | Float64Array, n: number, rng: Rng) => Int32Array = (cost, n) => solveAssignment(cost, n).rowToCol,
  ) {
    super(opts);
  }

  private async newScope(): Promise<void> {
    const dim = this.dim;
    const ms = this.ms;
    const data = drawRows(this.sampler, ms);
    const noise = this.rng.fillNormal(new Float32Array(ms * dim));
    const cost = await this.distances(data, ms, noise, null, ms);
    const t0 = performance.now();
    const rowToCol = this.assign(cost, ms, this.rng);
    const matched = new Float32Array(ms * dim);
    for (let i = 0; i < ms; i++) matched.set(noise.subarray(rowToCol[i]! * dim, (rowToCol[i]! + 1) * dim), i * dim);
    this.counters.secondsAssign += (performance.now() - t0) / 1000;
    let before = 0;
    for (let i = 0; i < ms; i++) before += rowSqDist(data, i, noise, i, dim);
    this.scopeBefore = before / ms;
    this.scopeData = data;
    this.scopeNoise = matched;
    this.pos = 0;
    this.counters.scopes++;
  }

  /** Mean identity-pairing path length of the current scope (the unmatched reference). */
  private scopeBefore = 0;

  async next(batchSize: number): Promise<PairBatch> {
    checkBatch(this.name, batchSize);
    const dim = this.dim;
    const data = new Float32Array(batchSize * dim);
    const noise = new Float32Array(batchSize * dim);
    let before = 0;
    let b0 = 0;
    while (b0 < batchSize) {
      if (!this.scopeData || this.pos === this.ms) await this.newScope();
      const take = Math.min(batchSize - b0, this.ms - this.pos);
      data.set(this.scopeData!.subarray(this.pos * dim, (this.pos + take) * dim), b0 * dim);
      noise.set(this.scopeNoise!.subarray(this.pos * dim, (this.pos + take) * dim), b0 * dim);
      before += this.scopeBefore * take;
      this.pos += take;
      b0 += take;
    }
    this.record(data, noise, before, batchSize);
    return { data, noise, batch: batchSize, dim };
  }

  protected override extraMeta(): Record<string, unknown> {
    return { ms: this.ms, pos: this.pos, scopeBefore: this.scopeBefore, hasScope: this.scopeData !== null };
  }
  protected override extraArrays(): Record<string, Float32Array | Int32Array | Uint8Array> {
    return this.scopeData && this.scopeNoise ? { scopeData: this.scopeData.slice(), scopeNoise: this.scopeNoise.slice() } : {};
  }
  protected override restoreExtra(s: CouplingSnapshot): void {
    if (s.meta.ms !== this.ms) throw new MatchingInputError(`coupling ${this.name}: snapshot has ms ${String(s.meta.ms)}, expected ${this.ms}`);
    this.pos = Number(s.meta.pos);
    this.scopeBefore = Number(s.meta.scopeBefore);
    const has = s.meta.hasScope && s.arrays.scopeData && s.arrays.scopeNoise;
    this.scopeData = has ? Float32Array.from(s.arrays.scopeData!) : null;
    this.scopeNoise = has ? Float32Array.from(s.arrays.scopeNoise!) : null;
  }
}
