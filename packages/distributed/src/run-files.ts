import { createHash } from 'node:crypto';
import path from 'node:path';
import { evalRunId, type EvalSpec } from './eval-spec';

const SHARD_FILE = /^shard-(\d{5})-of-(\d{5})\.([0-9a-f]{16})\.npz$/;

/** Where a run keeps its files: RESULTS/<run id>/. */
export function runDirectory(spec: EvalSpec): string {
  return path.join(spec.results, evalRunId(spec));
}

/** A short key of a model identity, part of each shard file's name so a changed model never mixes in. */
export function identityKey(identity: string): string {
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

/** The statistics file of shard `index`, keyed by shard index and model identity. */
export function shardFile(spec: EvalSpec, index: number, identity: string): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return path.join(runDirectory(spec), `shard-${pad(index)}-of-${pad(spec.shards)}.${identityKey(identity)}.npz`);
}

/** Parses a shard file name: index, shards and identity key, or null. */
export function parseShardFile(name: string): { index: number; shards: number; key: string } | null {
  const m = SHARD_FILE.exec(name);
  return m ? { index: Number(m[1]), shards: Number(m[2]), key: m[3] } : null;
}
