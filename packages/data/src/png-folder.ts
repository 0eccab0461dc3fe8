import type { Dataset } from './dataset';
import { imageDataset } from './image-dataset';
import { readPngFolder } from './read-png-folder';

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
  const images = readPngFolder(dir, { limit: options.limit, channels: options.channels });
  const data = new Float32Array(images.pixels.length);
  for (let i = 0; i < data.length; i++) data[i] = images.pixels[i]! / 127.5 - 1;
  return imageDataset(dir, data, [images.height, images.width, images.channels]);
}
