import { writeFileAtomic } from '@flow/io';
import type { PathSet, ScatterSeries } from './scatter-chart';
import { colorAt, toCss } from './palette';

/** The scatter/path picture as SVG (vector output for papers), same inputs as scatterChart. */
export function scatterSvg(options: { series?: ScatterSeries[]; paths?: PathSet[]; title?: string; width?: number; height?: number }): string {
  const width = options.width ?? 640;
  const height = options.height ?? 640;
  const series = options.series ?? [];
  const paths = options.paths ?? [];
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const arr of [...series.map((s) => s.points), ...paths.map((p) => p.points)]) {
    for (let i = 0; i + 1 < arr.length; i += 2) {
      minX = Math.min(minX, arr[i]!);
      maxX = Math.max(maxX, arr[i]!);
      minY = Math.min(minY, arr[i + 1]!);
      maxY = Math.max(maxY, arr[i + 1]!);
    }
  }
  const m = 20;
  const top = options.title ? 36 : m;
  const s = Math.min((width - 2 * m) / (maxX - minX || 1), (height - top - m) / (maxY - minY || 1));
  const px = (v: number) => (m + (v - minX) * s).toFixed(2);
  const py = (v: number) => (height - m - (v - minY) * s).toFixed(2);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`, `<rect width="100%" height="100%" fill="white"/>`];
  if (options.title) out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-family="sans-serif" font-size="16">${escapeXml(options.title)}</text>`);
  paths.forEach((p, k) => {
    const color = toCss(p.color ?? colorAt(k + series.length));
    for (let c = 0; c < p.count; c++) {
      const pts: string[] = [];
      for (let i = 0; i < p.length; i++) pts.push(`${px(p.points[(c * p.length + i) * 2]!)},${py(p.points[(c * p.length + i) * 2 + 1]!)}`);
      out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-opacity="0.4" stroke-width="${p.width ?? 1}"/>`);
    }
  });
  series.forEach((q, k) => {
    const color = toCss(q.color ?? colorAt(k));
    for (let i = 0; i + 1 < q.points.length; i += 2) out.push(`<circle cx="${px(q.points[i]!)}" cy="${py(q.points[i + 1]!)}" r="${q.radius ?? 2}" fill="${color}"/>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

export function writeSvg(path: string, svg: string): void {
  writeFileAtomic(path, svg);
}
