import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { frechetDistanceDetails, mergeStatsFiles, readStats, writeStatsState } from '@flow/fid';
import { writeFileAtomic } from '@flow/io';
import { DistributedInputError } from './errors';
import { evalRunId, type EvalSpec } from './eval-spec';
import { identityKey, parseShardFile, runDirectory } from './run-files';

/** The final result of an evaluation (also RESULTS/<run id>/result.json). */
export interface EvalResult {
  id: string;
  fid: number;
  count: number;
  dim: number;
  shards: number;
  model: string;
  identity: string;
  solver: string;
  nfe: number;
  seed: number;
  extractor: string;
  ref: string;
  /** The merged statistics of all samples (mergeable .npz). */
  stats: string;
  rank: number;
  trace_sqrt: number;
}

/**
 * Merges the K shard statistics of a run (in shard order, so the float rounding never depends on which worker
 * finished first), computes the FID against the reference, and writes RESULTS/<run id>/stats.npz and
 * result.json atomically. Only files of the given model identity count; each index counts once.
 */
export function mergeRun(spec: EvalSpec, identity: string, extractor: string, nfe: number): EvalResult {
  const dir = runDirectory(spec);
  const key = identityKey(identity);
  const files = new Map<number, string>();
  const otherKeys = new Set<string>();
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const p = parseShardFile(name);
    if (!p || p.shards !== spec.shards) continue;
    if (p.key !== key) otherKeys.add(p.key);
    else files.set(p.index, path.join(dir, name));
  }
  const missing: number[] = [];
  for (let i = 0; i < spec.shards; i++) if (!files.has(i)) missing.push(i);
  if (missing.length > 0) {
    const note = otherKeys.size > 0 ? ` (${dir} also holds shards of ${otherKeys.size} other model version(s): the model changed during the run)` : '';
    throw new DistributedInputError(`${dir}: shard statistics missing for shard(s) ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''} of model ${identity}${note}`);
  }
  const merged = mergeStatsFiles([...files.keys()].sort((a, b) => a - b).map((i) => files.get(i) as string));
  if (merged.count !== spec.count) throw new DistributedInputError(`${dir}: the shards hold ${merged.count} rows, expected ${spec.count}`);
  const ref = readStats(spec.ref);
  if (ref.dim !== merged.dim) throw new DistributedInputError(`${spec.ref}: reference statistics have dimension ${ref.dim}, the ${extractor} features ${merged.dim}`);
  const stats = path.join(dir, 'stats.npz');
  writeStatsState(stats, merged);
  const r = frechetDistanceDetails(merged.stats(), ref);
  const result: EvalResult = {
    id: evalRunId(spec),
    fid: r.fid,
    count: merged.count,
    dim: merged.dim,
    shards: spec.shards,
    model: spec.model,
    identity,
    solver: spec.solver,
    nfe,
    seed: spec.seed,
    extractor,
    ref: spec.ref,
    stats,
    rank: r.rank,
    trace_sqrt: r.traceSqrt,
  };
  writeFileAtomic(path.join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
