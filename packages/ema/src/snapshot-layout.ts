import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors, type DType } from '@flow/io';
import { EmaInputError } from './errors';
import { gammaToSigmaRel, sigmaRelToGamma } from './power-function';

/**
 * Snapshot directory layout (written by PowerEmaTracker, read by reconstructEma):
 *
 *   <dir>/ema-<sigma_rel>-<step>.safetensors     e.g. snapshots/ema-0.050-000004096.safetensors
 *
 * one file per (EMA, snapshot step), holding that EMA's weights tensor by tensor, with string metadata
 *   format = "flow-ema-snapshot", format_version = "1",
 *   sigma_rel, gamma (the exponent the EMA ran with), step (updates applied so far; the profile's end t).
 * The metadata is authoritative; the file name is only for people and sorting. Hidden files (the temporary
 * files of atomic writes) are ignored.
 */
export const SNAPSHOT_FORMAT = 'flow-ema-snapshot';
export const SNAPSHOT_FORMAT_VERSION = '1';

export interface SnapshotInfo {
  file: string;
  step: number;
  sigmaRel: number;
  gamma: number;
}

/** File name of a snapshot: sigma_rel with 3 decimals when that is exact, the step zero-padded to 9 digits. */
export function snapshotFileName(sigmaRel: number, step: number): string {
  const s = Number(sigmaRel.toFixed(3)) === sigmaRel ? sigmaRel.toFixed(3) : String(sigmaRel);
  return `ema-${s}-${String(step).padStart(9, '0')}.safetensors`;
}

/** Metadata stored in each snapshot file. */
export function snapshotMetadata(sigmaRel: number, gamma: number, step: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...extra,
    format: SNAPSHOT_FORMAT,
    format_version: SNAPSHOT_FORMAT_VERSION,
    sigma_rel: String(sigmaRel),
    gamma: String(gamma),
    step: String(step),
  };
}

function parseNumber(file: string, metadata: Record<string, string>, key: string): number | undefined {
  const raw = metadata[key];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new EmaInputError(`${file}: metadata '${key}' must be a number, got '${raw}'`);
  return v;
}

/** Reads the metadata of one snapshot file (header only). */
export function readSnapshotInfo(file: string): SnapshotInfo {
  const reader = openSafetensors(file);
  try {
    const m = reader.metadata;
    const step = parseNumber(file, m, 'step');
    let sigmaRel = parseNumber(file, m, 'sigma_rel');
    const gamma = parseNumber(file, m, 'gamma');
    if (step === undefined || (sigmaRel === undefined && gamma === undefined)) {
      throw new EmaInputError(`${file}: not an EMA snapshot (expected safetensors metadata 'step' and 'sigma_rel' or 'gamma', as PowerEmaTracker writes)`);
    }
    if (!(step > 0)) throw new EmaInputError(`${file}: metadata 'step' must be > 0, got ${step}`);
    if (gamma !== undefined && !(gamma > -0.5)) throw new EmaInputError(`${file}: metadata 'gamma' must be > -0.5, got ${gamma}`);
    // gamma is what the EMA actually ran with, so it wins; sigma_rel follows from it when absent.
    if (sigmaRel === undefined) sigmaRel = gammaToSigmaRel(gamma!);
    let g = gamma;
    if (g === undefined) {
      try {
        g = sigmaRelToGamma(sigmaRel);
      } catch (error) {
        throw new EmaInputError(`${file}: metadata 'sigma_rel': ${(error as Error).message}`);
      }
    }
    return { file, step, sigmaRel, gamma: g };
  } finally {
    reader.close();
  }
}

/** All snapshots of a directory, sorted by step, then sigma_rel. Throws EmaInputError for a bad directory. */
export function listSnapshots(dir: string): SnapshotInfo[] {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new EmaInputError(`${dir}: snapshot directory does not exist`);
  }
  if (!isDir) throw new EmaInputError(`${dir}: expected a snapshot directory, found a file`);
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.safetensors') && !n.startsWith('.'))
    .sort();
  if (names.length === 0) {
    throw new EmaInputError(`${dir}: no EMA snapshots (expected files ema-<sigma_rel>-<step>.safetensors as PowerEmaTracker writes)`);
  }
  const infos = names.map((n) => readSnapshotInfo(join(dir, n)));
  infos.sort((a, b) => a.step - b.step || a.sigmaRel - b.sigmaRel || a.gamma - b.gamma);
  return infos;
}

/** Tensor layout of a snapshot: name -> dtype and shape, in file order. */
export type TensorLayout = { name: string; dtype: DType; shape: number[] }[];

export function readTensorLayout(file: string): TensorLayout {
  const reader = openSafetensors(file);
  try {
    return reader.names.map((name) => ({ name, ...reader.info(name) }));
  } finally {
    reader.close();
  }
}
