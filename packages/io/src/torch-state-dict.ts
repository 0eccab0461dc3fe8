import { TorchCheckpointError } from './errors';
import type { NdArray } from './ndarray';
import { isNdArray, readTorchCheckpoint, type TorchDict, type TorchValue } from './torch-checkpoint';

function tensorsOf(d: TorchDict): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const [k, v] of d) if (isNdArray(v)) out[k] = v;
  return out;
}

function holdsTensors(v: TorchValue | undefined): boolean {
  return v instanceof Map && [...v.values()].some(isNdArray);
}

/**
 * The state dict (name -> tensor) inside a checkpoint: the top-level dict when it holds tensors, else the
 * sub-dict `key` (e.g. `ema` of `{'ema': ..., 'net': ...}`), else the only sub-dict that holds tensors.
 * Entries that are not tensors (step counters, config values) are left out.
 */
export function torchStateDict(value: TorchValue, options: { key?: string; source?: string } = {}): Record<string, NdArray> {
  const source = options.source ?? '<torch checkpoint>';
  if (!(value instanceof Map)) throw new TorchCheckpointError(source, 'holds no dict of tensors (a state dict was expected)');
  if (options.key !== undefined) {
    const sub = value.get(options.key);
    if (sub === undefined) throw new TorchCheckpointError(source, `has no entry '${options.key}' (entries: ${[...value.keys()].join(', ') || 'none'})`);
    if (!holdsTensors(sub)) throw new TorchCheckpointError(source, `entry '${options.key}' is not a dict of tensors`);
    return tensorsOf(sub as TorchDict);
  }
  if (holdsTensors(value)) return tensorsOf(value);
  const candidates = [...value.entries()].filter(([, v]) => holdsTensors(v)).map(([k]) => k);
  if (candidates.length === 1) return tensorsOf(value.get(candidates[0]!) as TorchDict);
  if (candidates.length === 0) throw new TorchCheckpointError(source, 'holds no tensors, at the top level or one level down');
  throw new TorchCheckpointError(source, `holds several state dicts (${candidates.join(', ')}); choose one by its key`);
}

/** Reads a `torch.save` file safely and returns its state dict (see {@link torchStateDict}). */
export function readTorchStateDict(path: string, options: { key?: string } = {}): Record<string, NdArray> {
  return torchStateDict(readTorchCheckpoint(path), { ...options, source: path });
}
