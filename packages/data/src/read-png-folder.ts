import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DataInputError } from './errors';
import { decodePng, type DecodedPng } from './decode-png';

/** Images of one size as 8-bit pixels, NHWC (count x height x width x channels), C order. */
export interface PngImages {
  pixels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** The files read, in order. */
  files: string[];
}

export interface ReadPngFolderOptions {
  /** Skip the first `offset` files (by name): with `limit`, read a folder in chunks. */
  offset?: number;
  /** Read only `limit` files (by name) from `offset`. */
  limit?: number;
  /** Force 1 (grey) or 3 (RGB) channels; otherwise decided by `greyWhen`. */
  channels?: 1 | 3;
  /**
   * When a folder counts as grey (1 channel): `pixels` (default) when every pixel of every image has R = G = B;
   * `colour-type` when every file is stored as a grey PNG (as FID tools that open images by their mode do).
   */
  greyWhen?: 'pixels' | 'colour-type';
}

/** The `*.png` files in `dir` (sorted by name, not recursive); throws if there are none. */
export function listPngFolder(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir).filter((n) => n.toLowerCase().endsWith('.png')).sort();
  } catch (error) {
    throw new DataInputError(`${dir}: cannot read folder (${(error as Error).message})`);
  }
  if (names.length === 0) throw new DataInputError(`${dir}: no .png files in the folder`);
  return names.map((n) => path.join(dir, n));
}

/** Every `*.png` in `dir` (sorted by name, not recursive), all of one size; alpha is dropped. */
export function readPngFolder(dir: string, options: ReadPngFolderOptions = {}): PngImages {
  let files = listPngFolder(dir);
  const offset = Math.max(0, options.offset ?? 0);
  if (offset > 0 || options.limit !== undefined) files = files.slice(offset, options.limit !== undefined ? offset + Math.max(1, options.limit) : undefined);
  if (files.length === 0) throw new DataInputError(`${dir}: no .png files from position ${offset}`);
  const images: DecodedPng[] = [];
  let grey = true;
  for (const file of files) {
    let png: DecodedPng;
    try {
      png = decodePng(readFileSync(file));
    } catch (error) {
      throw new DataInputError(`${file}: not a readable PNG (${(error as Error).message})`);
    }
    const first = images[0];
    if (first && (png.width !== first.width || png.height !== first.height)) {
      throw new DataInputError(`${file}: image is ${png.width}x${png.height}, expected ${first.width}x${first.height} like ${files[0]}`);
    }
    if (grey) grey = options.greyWhen === 'colour-type' ? !png.color : isGreyRgba(png.rgba);
    images.push(png);
  }
  const { width, height } = images[0]!;
  const channels = options.channels ?? (grey ? 1 : 3);
  const area = width * height;
  const pixels = new Uint8Array(images.length * area * channels);
  images.forEach(({ rgba }, n) => {
    const base = n * area * channels;
    for (let p = 0; p < area; p++) for (let c = 0; c < channels; c++) pixels[base + p * channels + c] = rgba[p * 4 + c]!;
  });
  return { pixels, count: images.length, height, width, channels, files };
}

function isGreyRgba(d: Uint8Array): boolean {
  for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}
