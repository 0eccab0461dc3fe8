import { existsSync, statSync } from 'node:fs';
import { DataInputError } from './errors';
import type { Dataset } from './dataset';
import { mnistDataset } from './mnist';
import { npyDataset } from './npy-dataset';
import { pngClassFoldersDataset } from './png-class-folders';
import { pngFolderDataset } from './png-folder';
import { readLabelsFile } from './read-labels-file';
import { isToyDataset, toyDataset, TOY_DATASETS } from './toy-2d';

export interface LoadDatasetOptions {
  /** Image side for mnist: 28 or 32 (padded). */
  imageSize?: 28 | 32;
  /** Use at most this many samples of a finite dataset. */
  limit?: number;
  /**
   * Load the class labels too (for class-conditional training): `true` for MNIST's digits or a PNG folder's
   * sub-folders (one per class); for a `.npy`/`.npz` dataset, the path of a `.npy`/`.npz` of one class index
   * per row.
   */
  labels?: true | string;
}

export const BUILTIN_DATASETS: readonly string[] = [...Object.keys(TOY_DATASETS), 'mnist', 'mnist32'];

/**
 * A built-in dataset by name (`two-mode-2d`, `ring8`, `moons`, `checkerboard`, `mnist`, `mnist32`), a folder
 * of PNG images, or a `.npy`/`.npz` array file.
 */
export function loadDataset(spec: string, options: LoadDatasetOptions = {}): Dataset {
  const labels = options.labels !== undefined;
  const labelsFile = typeof options.labels === 'string' ? options.labels : undefined;
  const isNpy = /\.(npy|npz)$/i.test(spec);
  if (labelsFile !== undefined && !isNpy) {
    throw DataInputError.field('labels', `${labelsFile}: a labels file goes with a .npy/.npz dataset; ${spec} carries its own labels (MNIST digits, or PNG sub-folders per class)`);
  }
  if (isToyDataset(spec)) {
    if (labels) throw DataInputError.field('dataset', `${spec}: the 2-D toys have no class labels (write the points and a labels .npy instead)`);
    return toyDataset(spec);
  }
  if (spec === 'mnist') return mnistDataset({ size: options.imageSize ?? 28, limit: options.limit, labels });
  if (spec === 'mnist32') return mnistDataset({ size: 32, limit: options.limit, labels });
  if (!existsSync(spec)) {
    throw DataInputError.field('dataset', `${spec}: no such file or folder, and not a built-in dataset (${BUILTIN_DATASETS.join(', ')})`);
  }
  if (statSync(spec).isDirectory()) return labels ? pngClassFoldersDataset(spec, { limit: options.limit }) : pngFolderDataset(spec, { limit: options.limit });
  if (isNpy) {
    if (labels && labelsFile === undefined) throw DataInputError.field('labels', `missing: dataset ${spec} is an array file; give its labels as a .npy/.npz of one class index per row`);
    return npyDataset(spec, options.limit, labelsFile !== undefined ? readLabelsFile(labelsFile) : undefined);
  }
  throw DataInputError.field('dataset', `${spec}: expected a .npy/.npz file or a folder of .png images`);
}
