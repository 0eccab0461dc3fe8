import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { TrainerInputError } from '../errors';
import type { Dataset } from './dataset';
import { imageDataset } from './image-dataset';

export interface PngFolderOptions {
  /** 1 (grey) or 3 (RGB). Default: 1 when every pixel of every image has R = G = B, else 3. */
  channels?: 1 | 3;
  limit?: number;
}

/**
 * Every `*.png` in a folder (sorted by name, not recursive), all of one size, as NHWC in [-1, 1]
 * (pixel / 127.5 - 1). Alpha is ignored.
 */
export function pngFolderDataset(dir: string, options: PngFolderOptions = {}): Dataset {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).filter((n) => n.toLowerCase().endsWith('.png')).sort();
  } catch (error) {
    throw new TrainerInputError(`dataset ${dir}: cannot read folder (${(error as Error).message})`);
  }
  if (names.length === 0) throw new TrainerInputError(`dataset ${dir}: no .png files in the folder`);
  if (options.limit !== undefined) names = names.slice(0, Math.max(1, options.limit));
  const images: { file: string; png: PNG }[] = [];
  let width = 0;
  let height = 0;
  let grey = true;
  for (const name of names) {
    const file = path.join(dir, name);
    let png: PNG;
    try {
      png = PNG.sync.read(readFileSync(file));
    } catch (error) {
      throw new TrainerInputError(`dataset ${file}: not a readable PNG (${(error as Error).message})`);
    }
    if (images.length === 0) {
      width = png.width;
      height = png.height;
    } else if (png.width !== width || png.height !== height) {
      throw new TrainerInputError(`dataset ${file}: image is ${png.width}x${png.height}, expected ${width}x${height} like ${images[0].file}`);
    }
    if (grey) {
      const d = png.data;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) {
          grey = false;
          break;
        }
      }
    }
    images.push({ file, png });
  }
  const channels = options.channels ?? (grey ? 1 : 3);
  const pixels = width * height;
  const data = new Float32Array(images.length * pixels * channels);
  images.forEach(({ png }, n) => {
    const base = n * pixels * channels;
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < channels; c++) data[base + p * channels + c] = png.data[p * 4 + c] / 127.5 - 1;
    }
  });
  return imageDataset(dir, data, [height, width, channels]);
}
