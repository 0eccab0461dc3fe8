import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DataInputError } from './errors';
import type { Dataset } from './dataset';
import { imageDataset } from './image-dataset';
import { readPngFolder, type PngImages } from './read-png-folder';

/** The sub-folders of `dir` (sorted by name) that hold the classes of a labelled PNG dataset. */
function classFolders(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => statSync(path.join(dir, n)).isDirectory()).sort();
  } catch (error) {
    throw DataInputError.field('dataset', `${dir}: cannot read folder (${(error as Error).message})`);
  }
  if (names.length < 2) {
    throw DataInputError.field('dataset', `${dir}: a labelled PNG dataset needs one sub-folder of .png images per class (at least 2), found ${names.length}`);
  }
  return names;
}

/**
 * A labelled folder of PNG images: one sub-folder per class (label = position of the sub-folder's name in
 * sorted order; the names are the dataset's `classNames`), all images of one size, NHWC in [-1, 1]. Rows are
 * interleaved by class (first image of each class, then the second, ...) so that `limit` keeps classes balanced.
 */
export function pngClassFoldersDataset(dir: string, options: { limit?: number } = {}): Dataset {
  const names = classFolders(dir);
  let sets: PngImages[] = names.map((n) => readPngFolder(path.join(dir, n)));
  const first = sets[0]!;
  for (const [i, s] of sets.entries()) {
    if (s.width !== first.width || s.height !== first.height) {
      throw DataInputError.field('dataset', `${s.files[0]}: image is ${s.width}x${s.height}, class '${names[0]}' has ${first.width}x${first.height} (class '${names[i]}')`);
    }
  }
  // one channel count for all classes: RGB as soon as one class has colour
  if (sets.some((s) => s.channels === 3) && sets.some((s) => s.channels === 1)) sets = names.map((n) => readPngFolder(path.join(dir, n), { channels: 3 }));
  const { width, height, channels } = sets[0]!;
  const area = width * height * channels;
  const total = sets.reduce((a, s) => a + s.count, 0);
  const count = Math.max(1, Math.min(options.limit ?? total, total));
  const data = new Float32Array(count * area);
  const labels = new Int32Array(count);
  const next = new Array<number>(sets.length).fill(0);
  for (let row = 0; row < count; ) {
    for (let c = 0; c < sets.length && row < count; c++) {
      const s = sets[c]!;
      if (next[c]! >= s.count) continue;
      const src = s.pixels.subarray(next[c]! * area, (next[c]! + 1) * area);
      for (let i = 0; i < area; i++) data[row * area + i] = src[i]! / 127.5 - 1;
      labels[row] = c;
      next[c]!++;
      row++;
    }
  }
  return imageDataset(dir, data, [height, width, channels], { values: labels, classes: names.length, names });
}
