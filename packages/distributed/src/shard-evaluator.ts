import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { FeatureStatistics, createExtractor, readStatsState, writeStatsState, type FeatureExtractor } from '@flow/fid';
import { sampleModel, shardRange } from '@flow/trainer';
import type { EvalSpec } from './eval-spec';
import { evalRunId } from './eval-spec';
import { loadSamplingModel, type SamplingModel } from './sampling-model';
import { extractFeatures, resolveExtractor } from './shard-features';
import { shardFile } from './run-files';

/** What evaluating one shard produced (a job's return value: JSON-safe). */
export interface ShardOutcome {
  id: string;
  index: number;
  /** Rows [start, end) of the run's samples. */
  start: number;
  end: number;
  file: string;
  identity: string;
  extractor: string;
  /** True when the shard's statistics were already stored (a re-run after a crash or a resubmission). */
  reused: boolean;
  nfe: number;
  seconds: number;
}

/**
 * Evaluates shards: samples rows [floor(i N / K), floor((i + 1) N / K)) with row-keyed noise, extracts features,
 * and stores the shard's mergeable statistics under RESULTS/<run id>/, keyed by shard index and model identity
 * (written atomically; an existing file is reused, so a shard is never computed into the result twice). Keeps
 * the last model and the extractors loaded between shards.
 */
export class ShardEvaluator {
  private cached: { key: string; model: Promise<SamplingModel> } | null = null;
  private readonly extractors = new Map<string, Promise<FeatureExtractor>>();

  async evaluate(spec: EvalSpec, index: number, onProgress?: (fraction: number) => Promise<void> | void): Promise<ShardOutcome> {
    const t0 = performance.now();
    const id = evalRunId(spec);
    const { start, end } = shardRange(spec.count, index, spec.shards);
    const sm = await this.model(spec);
    const extractorName = resolveExtractor(spec.extractor, sm.model);
    const file = shardFile(spec, index, sm.identity);
    const outcome = (reused: boolean, nfe: number): ShardOutcome => ({
      id,
      index,
      start,
      end,
      file,
      identity: sm.identity,
      extractor: extractorName,
      reused,
      nfe,
      seconds: (performance.now() - t0) / 1000,
    });
    if (existsSync(file) && readStatsState(file).count === end - start) return outcome(true, spec.nfe);
    const extractor = await this.extractor(extractorName);
    const rows = end - start;
    // Small batches hand the event loop back often, so the job lock is renewed (the solver itself is synchronous).
    const batch = spec.batch ?? (sm.model.kind === 'image' ? 32 : 4096);
    let features: Float32Array | null = null;
    let dim = 0;
    let nfe = spec.nfe;
    for (let s = start; s < end; s += batch) {
      const n = Math.min(batch, end - s);
      const r = await sampleModel(sm.model, { solver: sm.solver, nfe: spec.nfe, count: n, firstRow: s, seed: spec.seed, batchSize: n });
      nfe = r.nfe;
      const f = await extractFeatures(extractor, r.samples, n, sm.model);
      if (!features) {
        dim = f.length / n;
        features = new Float32Array(rows * dim);
      }
      features.set(f, (s - start) * dim);
      await onProgress?.((s + n - start) / rows);
    }
    // One add over the whole shard, so the statistics do not depend on the batch size.
    const stats = new FeatureStatistics(dim).add(features as Float32Array, file);
    mkdirSync(path.dirname(file), { recursive: true });
    writeStatsState(file, stats);
    return outcome(false, nfe);
  }

  private model(spec: EvalSpec): Promise<SamplingModel> {
    const modelPath = spec.model.startsWith('gmm:') ? spec.model.slice(4) : spec.model;
    // The modification time is part of the key: a run directory that gained a checkpoint is loaded afresh.
    const key = JSON.stringify([spec.model, spec.solver, statSync(modelPath).mtimeMs]);
    if (this.cached?.key !== key) {
      const previous = this.cached;
      if (previous) void previous.model.then((m) => m.dispose(), () => undefined);
      this.cached = { key, model: loadSamplingModel(spec) };
      this.cached.model.catch(() => {
        if (this.cached?.key === key) this.cached = null;
      });
    }
    return (this.cached as { model: Promise<SamplingModel> }).model;
  }

  private extractor(name: string): Promise<FeatureExtractor> {
    let e = this.extractors.get(name);
    if (!e) {
      e = createExtractor(name);
      e.catch(() => this.extractors.delete(name));
      this.extractors.set(name, e);
    }
    return e;
  }

  dispose(): void {
    if (this.cached) void this.cached.model.then((m) => m.dispose(), () => undefined);
    this.cached = null;
    for (const e of this.extractors.values()) void e.then((x) => x.dispose?.(), () => undefined);
    this.extractors.clear();
  }
}
