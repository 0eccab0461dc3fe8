import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readSafetensors, writeSafetensors, type NdArray } from '@flow/io';

export const CHECKPOINT_FORMAT = 'flow-trainer-checkpoint/1';
const NAME_RE = /^step-(\d{8,})\.safetensors$/;

/** Everything needed to continue a run exactly. */
export interface CheckpointData {
  step: number;
  /** Trainable variables (velocity net and coupling term) by checkpoint name. */
  params: Record<string, NdArray>;
  /**
   * Fixed, untrained tensors the network computes with (the U-Net's Fourier frequencies and phases), so a
   * checkpoint alone defines the function. Absent in checkpoints written before they were stored.
   */
  buffers?: Record<string, NdArray>;
  adamM: Record<string, NdArray>;
  adamV: Record<string, NdArray>;
  /** JSON-safe state (rng states, coupling and sampler metadata, running figures). */
  state: Record<string, unknown>;
  /** Extra arrays of the coupling / sampler state, by name. */
  stateArrays: Record<string, NdArray>;
}

export function checkpointDir(runDir: string): string {
  return path.join(runDir, 'checkpoints');
}

export function checkpointPath(runDir: string, step: number): string {
  return path.join(checkpointDir(runDir), `step-${String(step).padStart(8, '0')}.safetensors`);
}

/** Writes a checkpoint atomically (temp file + rename inside @flow/io). */
export function writeCheckpoint(runDir: string, data: CheckpointData): string {
  const tensors: Record<string, NdArray> = {};
  for (const [k, v] of Object.entries(data.params)) tensors[`param/${k}`] = v;
  for (const [k, v] of Object.entries(data.buffers ?? {})) tensors[`buffer/${k}`] = v;
  for (const [k, v] of Object.entries(data.adamM)) tensors[`adam_m/${k}`] = v;
  for (const [k, v] of Object.entries(data.adamV)) tensors[`adam_v/${k}`] = v;
  for (const [k, v] of Object.entries(data.stateArrays)) tensors[`state/${k}`] = v;
  const file = checkpointPath(runDir, data.step);
  mkdirSync(path.dirname(file), { recursive: true });
  writeSafetensors(file, tensors, { format: CHECKPOINT_FORMAT, step: String(data.step), state: JSON.stringify(data.state) });
  return file;
}

/** Reads and validates one checkpoint file; throws on anything incomplete. */
export function readCheckpoint(file: string): CheckpointData {
  const { metadata, tensors } = readSafetensors(file);
  if (metadata.format !== CHECKPOINT_FORMAT) throw new Error(`${file}: not a flow trainer checkpoint (format '${metadata.format ?? ''}')`);
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new Error(`${file}: bad step '${metadata.step}'`);
  const state = JSON.parse(metadata.state ?? 'null') as Record<string, unknown> | null;
  if (state === null || typeof state !== 'object') throw new Error(`${file}: missing training state`);
  const buffers: Record<string, NdArray> = {};
  const out: CheckpointData = { step, params: {}, buffers, adamM: {}, adamV: {}, state, stateArrays: {} };
  for (const [name, a] of Object.entries(tensors)) {
    const slash = name.indexOf('/');
    const group = name.slice(0, slash);
    const key = name.slice(slash + 1);
    if (group === 'param') out.params[key] = a;
    else if (group === 'buffer') buffers[key] = a;
    else if (group === 'adam_m') out.adamM[key] = a;
    else if (group === 'adam_v') out.adamV[key] = a;
    else if (group === 'state') out.stateArrays[key] = a;
  }
  for (const k of Object.keys(out.params)) {
    if (!out.adamM[k] || !out.adamV[k]) throw new Error(`${file}: optimiser state for '${k}' is missing`);
  }
  return out;
}

/** Checkpoint files of a run, newest first (by step in the name). Temp files and strays are ignored. */
export function listCheckpoints(runDir: string): { step: number; file: string }[] {
  const dir = checkpointDir(runDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ m: NAME_RE.exec(name), name }))
    .filter((e): e is { m: RegExpExecArray; name: string } => e.m !== null)
    .map((e) => ({ step: Number(e.m[1]), file: path.join(dir, e.name) }))
    .sort((a, b) => b.step - a.step);
}

/**
 * The newest checkpoint that reads back completely. Newer files that fail (a truncated write from a killed
 * run on a file system without atomic rename, a corrupted copy) are reported through `onSkip` and skipped.
 */
export function latestGoodCheckpoint(runDir: string, onSkip?: (file: string, reason: string) => void): CheckpointData | null {
  for (const { file } of listCheckpoints(runDir)) {
    try {
      return readCheckpoint(file);
    } catch (error) {
      onSkip?.(file, (error as Error).message);
    }
  }
  return null;
}

/** Deletes all but the newest `keep` checkpoints (never the one just written). */
export function pruneCheckpoints(runDir: string, keep: number): void {
  if (keep <= 0) return;
  for (const { file } of listCheckpoints(runDir).slice(keep)) rmSync(file, { force: true });
}
