import { Canvas, textWidth } from './canvas';

export interface ImageGridOptions {
  /** Images laid out as count x height x width x channels (NHWC), channels 1 (grey) or 3 (RGB). */
  images: ArrayLike<number>;
  count: number;
  height: number;
  width: number;
  channels?: 1 | 3;
  /** Value range mapped to black..white (default [-1, 1], the range models train in). */
  range?: [number, number];
  columns?: number;
  /** Integer upscaling of each pixel (default 2). */
  scale?: number;
  padding?: number;
  title?: string;
  /** Optional caption under each row. */
  rowLabels?: string[];
}

/** Tiles images into one canvas, clipping values to the range. */
export function imageGrid(options: ImageGridOptions): Canvas {
  const { count, height: h, width: w } = options;
  const ch = options.channels ?? 1;
  if (options.images.length < count * h * w * ch) throw new RangeError(`imageGrid: expected ${count * h * w * ch} values for ${count} images of ${h}x${w}x${ch}, got ${options.images.length}`);
  const cols = options.columns ?? Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const scale = options.scale ?? 2;
  const pad = options.padding ?? 2;
  const [lo, hi] = options.range ?? [-1, 1];
  const labelW = options.rowLabels ? Math.max(...options.rowLabels.map((s) => textWidth(s))) + 8 : 0;
  const titleH = options.title ? 24 : 0;
  const canvas = new Canvas(labelW + cols * (w * scale + pad) + pad, titleH + rows * (h * scale + pad) + pad, [255, 255, 255]);
  if (options.title) canvas.text((canvas.width - textWidth(options.title, 2)) / 2, 4, options.title, [0, 0, 0], 2);
  const rgba = new Uint8ClampedArray(h * w * 4);
  for (let n = 0; n < count; n++) {
    for (let p = 0; p < h * w; p++) {
      for (let c = 0; c < 3; c++) {
        const v = options.images[(n * h * w + p) * ch + (ch === 1 ? 0 : c)]!;
        rgba[p * 4 + c] = ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * 255;
      }
      rgba[p * 4 + 3] = 255;
    }
    const r = Math.floor(n / cols);
    const c = n % cols;
    canvas.blit(labelW + pad + c * (w * scale + pad), titleH + pad + r * (h * scale + pad), w, h, rgba, scale);
  }
  options.rowLabels?.forEach((label, r) => canvas.text(4, titleH + pad + r * (h * scale + pad) + (h * scale) / 2 - 4, label, [30, 30, 30]));
  return canvas;
}
