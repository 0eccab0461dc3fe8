import { inflateSync } from 'node:zlib';
import { Canvas, encodePng, imageGrid, lineChart, scatterChart, scatterSvg, ticks } from './index';
import { glyph } from './font';

/** Decodes our own PNGs (filter 0, RGBA) to check what was drawn. */
function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const view = new DataView(png.buffer, png.byteOffset);
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  let off = 8;
  const idat: Uint8Array[] = [];
  while (off < png.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    if (type === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) rgba.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  return { width, height, rgba };
}

describe('@flow/plot', () => {
  it('encodes pixels losslessly as PNG', () => {
    const px = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 10, 20, 30, 40]);
    const back = decodePng(encodePng(2, 2, px));
    expect(back.width).toBe(2);
    expect(Array.from(back.rgba)).toEqual(Array.from(px));
  });

  it('draws glyphs from the bitmap font', () => {
    expect(glyph('0')).toEqual([0x3e, 0x51, 0x49, 0x45, 0x3e]);
    expect(glyph('A')).toEqual([0x7c, 0x12, 0x11, 0x12, 0x7c]);
    expect(glyph('~')).toEqual([0x02, 0x01, 0x02, 0x04, 0x02]);
    const c = new Canvas(8, 8);
    c.text(0, 0, 'I');
    // 'I' has a full vertical bar in its middle column.
    for (let r = 0; r < 7; r++) expect(c.pixels[(r * 8 + 2) * 4]).toBe(0);
  });

  it('maps values to grey levels in an image grid', () => {
    const images = new Float32Array([-1, 1, 0, 1]); // two 1x2 grey images
    const canvas = imageGrid({ images, count: 2, height: 1, width: 2, scale: 1, padding: 0, columns: 2 });
    expect(canvas.width).toBe(4);
    expect(Array.from(canvas.pixels.filter((_, i) => i % 4 === 0))).toEqual([0, 255, 128, 255]);
  });

  it('chooses nice linear ticks and decade log ticks', () => {
    expect(ticks(0, 1, false)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(1e-4, 1, true)).toEqual([1e-4, 1e-3, 0.01, 0.1, 1]);
    expect(ticks(4, 64, true)).toEqual([5, 10, 20, 50]);
  });

  it('renders charts and SVG without throwing and with the requested size', () => {
    const chart = lineChart({ series: [{ name: 'euler', x: [4, 8, 16], y: [0.1, 0.05, 0.025] }], x: { log: true, label: 'NFE' }, y: { log: true, label: 'RMSE' }, title: 'error vs NFE' });
    expect([chart.width, chart.height]).toEqual([720, 480]);
    const scatter = scatterChart({ series: [{ name: 'data', points: [0, 0, 1, 1] }], paths: [{ points: [0, 0, 1, 1], count: 1, length: 2 }] });
    expect(decodePng(scatter.toPng()).width).toBe(640);
    const svg = scatterSvg({ series: [{ name: 'a', points: [0, 0, 1, 2] }], title: 'a<b' });
    expect(svg).toContain('<circle');
    expect(svg).toContain('a&lt;b');
  });
});
