import { writeFileAtomic } from '@flow/io';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, glyph } from './font';
import { encodePng } from './png';

/** [r, g, b] or [r, g, b, a], 0..255. */
export type Color = readonly [number, number, number] | readonly [number, number, number, number];

/** A small RGBA raster with alpha blending: enough for charts, scatter plots and image grids. */
export class Canvas {
  readonly pixels: Uint8ClampedArray;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Color = [255, 255, 255],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) throw new RangeError(`Canvas: size must be positive integers, got ${width}x${height}`);
    this.pixels = new Uint8ClampedArray(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Blends one pixel; `coverage` (0..1) scales the colour's alpha, for antialiasing. */
  blend(x: number, y: number, color: Color, coverage = 1): void {
    x = Math.floor(x);
    y = Math.floor(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const a = ((color[3] ?? 255) / 255) * coverage;
    if (a <= 0) return;
    const i = (y * this.width + x) * 4;
    const p = this.pixels;
    p[i] = p[i]! * (1 - a) + color[0] * a;
    p[i + 1] = p[i + 1]! * (1 - a) + color[1] * a;
    p[i + 2] = p[i + 2]! * (1 - a) + color[2] * a;
    p[i + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, color: Color): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.blend(xx, yy, color);
  }

  /** An antialiased line of the given width (distance-to-segment coverage). */
  line(x0: number, y0: number, x1: number, y1: number, color: Color, width = 1): void {
    const r = width / 2;
    const minX = Math.floor(Math.min(x0, x1) - r - 1);
    const maxX = Math.ceil(Math.max(x0, x1) + r + 1);
    const minY = Math.floor(Math.min(y0, y1) - r - 1);
    const maxY = Math.ceil(Math.max(y0, y1) + r + 1);
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    for (let y = Math.max(0, minY); y <= Math.min(this.height - 1, maxY); y++) {
      for (let x = Math.max(0, minX); x <= Math.min(this.width - 1, maxX); x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
        const d = Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
        const cov = Math.max(0, Math.min(1, r + 0.5 - d));
        if (cov > 0) this.blend(x, y, color, cov);
      }
    }
  }

  /** A filled, antialiased disc. */
  disc(cx: number, cy: number, radius: number, color: Color): void {
    for (let y = Math.floor(cy - radius - 1); y <= Math.ceil(cy + radius + 1); y++) {
      for (let x = Math.floor(cx - radius - 1); x <= Math.ceil(cx + radius + 1); x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const cov = Math.max(0, Math.min(1, radius + 0.5 - d));
        if (cov > 0) this.blend(x, y, color, cov);
      }
    }
  }

  /** Bitmap text with its top-left corner at (x, y); `scale` enlarges each font pixel. */
  text(x: number, y: number, str: string, color: Color = [0, 0, 0], scale = 1): void {
    let cx = Math.round(x);
    for (const ch of str) {
      const cols = glyph(ch);
      for (let c = 0; c < 5; c++) {
        for (let r = 0; r < GLYPH_HEIGHT; r++) {
          if ((cols[c]! >> r) & 1) this.fillRect(cx + c * scale, Math.round(y) + r * scale, scale, scale, color);
        }
      }
      cx += GLYPH_ADVANCE * scale;
    }
  }

  /** Text rotated 90 degrees counter-clockwise (for a y-axis label), its top-left at (x, y + length). */
  textVertical(x: number, y: number, str: string, color: Color = [0, 0, 0], scale = 1): void {
    let cy = Math.round(y) + textWidth(str, scale);
    for (const ch of str) {
      const cols = glyph(ch);
      for (let c = 0; c < 5; c++) {
        for (let r = 0; r < GLYPH_HEIGHT; r++) {
          if ((cols[c]! >> r) & 1) this.fillRect(Math.round(x) + r * scale, cy - (c + 1) * scale, scale, scale, color);
        }
      }
      cy -= GLYPH_ADVANCE * scale;
    }
  }

  /** Copies an RGBA block into the canvas at (x, y), scaled up by an integer factor. */
  blit(x: number, y: number, w: number, h: number, rgba: Uint8Array | Uint8ClampedArray, scale = 1): void {
    for (let j = 0; j < h * scale; j++) {
      for (let i = 0; i < w * scale; i++) {
        const s = (Math.floor(j / scale) * w + Math.floor(i / scale)) * 4;
        this.blend(x + i, y + j, [rgba[s]!, rgba[s + 1]!, rgba[s + 2]!, rgba[s + 3]!]);
      }
    }
  }

  toPng(): Uint8Array {
    return encodePng(this.width, this.height, this.pixels);
  }

  /** Writes the PNG atomically. */
  writePng(path: string): void {
    writeFileAtomic(path, this.toPng());
  }
}

export function textWidth(str: string, scale = 1): number {
  return str.length * GLYPH_ADVANCE * scale;
}
