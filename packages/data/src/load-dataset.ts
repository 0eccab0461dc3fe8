import { existsSync, statSync } from 'node:fs';
import { DataInputError } from './errors';
import type { Dataset } from './dataset';
import { mnistDataset } from './mnist';
import { npyDataset } from './npy-dataset';
import { pngFolderDataset } from './png-folder';
import { isToyDataset, toyDataset, TOY_DATASETS } from './toy-2d';

export interface LoadDatasetOptions {
  /** Image side for mnist: 28 or 32 (padded). */
  imageSize?: 28 | 32;
  /** Use at most this many samples of a finite dataset. */
  limit?: number;
}

export const BUILTIN_DATASETS: readonly string[] = [...Object.keys(TOY_DATASETS), 'mnist', 'mnist32'];

/**
 * A built-in dataset by name (`two-mode-2d`, `ring8`, `moons`, `checkerboard`, `mnist`, `mnist32`), a folder
 * of PNG images, or a `.npy`/`.npz` array file.
 */
export function loadDataset(spec: string, options: LoadDatasetOptions = {}): Dataset {
  if (isToyDataset(spec)) return toyDataset(spec);
  if (spec === 'mnist') return mnistDataset({ size: options.imageSize ?? 28, limit: options.limit });
  if (spec === 'mnist32') return mnistDataset({ size: 32, limit: options.limit });
  if (!existsSync(spec)) {
    throw DataInputError.field('dataset', `${spec}: no such file or folder, and not a built-in dataset (${BUILTIN_DATASETS.join(', ')})`);
  }
  if (statSync(spec).isDirectory()) return pngFolderDataset(spec, { limit: options.limit });
  if (/\.(npy|npz)$/i.test(spec)) {
    return npyDataset(spec, options.limit);
  }
  throw DataInputError.field('dataset', `${spec}: expected a .npy/.npz file or a folder of .png images`);
}
