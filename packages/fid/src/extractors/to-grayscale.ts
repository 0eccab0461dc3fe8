import type { ImageBatch } from './image-batch';

/** One channel per pixel: kept as is, RGB(A) by ITU-R 601 luma (what PIL's convert('L') uses), alpha dropped. */
export function toGrayscale(images: ImageBatch): ImageBatch {
  const { data, count, height, width, channels } = images;
  if (channels === 1) return images;
  const px = count * height * width;
  const out = new Float32Array(px);
  for (let i = 0; i < px; i++) {
    const o = i * channels;
    out[i] = channels >= 3 ? 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2] : data[o];
  }
  return { data: out, count, height, width, channels: 1 };
}
