import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write';
import { NpyFormatError, NpzFormatError } from './errors';
import type { NdArray } from './ndarray';
import { encodeNpy, parseNpy, readNpy } from './npy';
import { readZip, writeZip, ZipError } from './zip';

/** Parses .npz bytes (np.savez or np.savez_compressed) into arrays by key (the member name without `.npy`). */
export function parseNpz(bytes: Uint8Array, source = '<npz bytes>'): Record<string, NdArray> {
  let entries;
  try {
    entries = readZip(bytes);
  } catch (error) {
    if (error instanceof ZipError) throw new NpzFormatError(source, error.message);
    throw error;
  }
  const out: Record<string, NdArray> = {};
  for (const e of entries) {
    const key = e.name.endsWith('.npy') ? e.name.slice(0, -4) : e.name;
    // defineProperty: a member named __proto__ must become a key, not the object's prototype.
    Object.defineProperty(out, key, { value: parseNpy(e.data, `${source}[${key}]`), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function readNpz(path: string): Record<string, NdArray> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new NpzFormatError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseNpz(bytes, path);
}

export function encodeNpz(arrays: Record<string, NdArray>, options: { compress?: boolean } = {}): Uint8Array {
  return writeZip(
    Object.entries(arrays).map(([key, a]) => ({ name: `${key}.npy`, data: encodeNpy(a) })),
    options.compress ?? false,
  );
}

export function writeNpz(path: string, arrays: Record<string, NdArray>, options: { compress?: boolean } = {}): void {
  writeFileAtomic(path, encodeNpz(arrays, options));
}

/** Reads a `.npy`, or a `.npz` that holds exactly one array. */
export function readArrayFile(path: string): NdArray {
  if (path.toLowerCase().endsWith('.npz')) {
    const arrays = readNpz(path);
    const keys = Object.keys(arrays);
    if (keys.length !== 1) throw new NpzFormatError(path, `expected exactly one array, found ${keys.length} (${keys.join(', ') || 'none'})`);
    return arrays[keys[0]!]!;
  }
  if (!path.toLowerCase().endsWith('.npy')) throw new NpyFormatError(path, 'expected a .npy or .npz file');
  return readNpy(path);
}
