import type { Canvas, Color } from './canvas';
import { type AxisSpec, dataRange, drawFrame, drawLegend } from './axes';
import { colorAt } from './palette';

export interface ScatterSeries {
  name: string;
  /** Interleaved 2-D points [x0, y0, x1, y1, ...]. */
  points: ArrayLike<number>;
  color?: Color;
  radius?: number;
}

export interface PathSet {
  name?: string;
  /** `count` polylines of `length` 2-D points each, interleaved: path p, point k at (p * length + k) * 2. */
  points: ArrayLike<number>;
  count: number;
  length: number;
  color?: Color;
  width?: number;
}

export interface ScatterChartOptions {
  series?: ScatterSeries[];
  /** Lines drawn under the points: trajectories, or noise-to-sample pairs (length 2). */
  paths?: PathSet[];
  x?: AxisSpec;
  y?: AxisSpec;
  title?: string;
  width?: number;
  height?: number;
  /** Hide tick labels (embeddings such as t-SNE have no meaningful units). */
  hideTicks?: boolean;
  /** Keep one unit equal on both axes (default true). */
  equalAspect?: boolean;
}

/** Scatter plot with optional polylines, e.g. 2-D samples, trajectories, or matched pairs. */
export function scatterChart(options: ScatterChartOptions): Canvas {
  const series = options.series ?? [];
  const paths = options.paths ?? [];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of [...series.map((q) => q.points), ...paths.map((p) => p.points)]) {
    for (let i = 0; i + 1 < s.length; i += 2) {
      xs.push(s[i]!);
      ys.push(s[i + 1]!);
    }
  }
  const width = options.width ?? 640;
  const height = options.height ?? 640;
  let xr = dataRange(xs, options.x ?? {});
  let yr = dataRange(ys, options.y ?? {});
  if (options.equalAspect !== false && !options.x?.min && !options.y?.min) {
    // Widen the narrower range so the data keeps its shape in a square-ish frame.
    const plotW = width - (options.hideTicks ? 28 : 86);
    const plotH = height - (options.hideTicks ? 26 : 58) - (options.title ? 16 : 0);
    const perPx = Math.max((xr[1] - xr[0]) / plotW, (yr[1] - yr[0]) / plotH);
    const cx = (xr[0] + xr[1]) / 2;
    const cy = (yr[0] + yr[1]) / 2;
    xr = [cx - (perPx * plotW) / 2, cx + (perPx * plotW) / 2];
    yr = [cy - (perPx * plotH) / 2, cy + (perPx * plotH) / 2];
  }
  const frame = drawFrame(width, height, xr, yr, options.x ?? {}, options.y ?? {}, options.title, !options.hideTicks);
  paths.forEach((p, k) => {
    const color = p.color ?? ([...colorAt(k + series.length).slice(0, 3), 90] as unknown as Color);
    for (let c = 0; c < p.count; c++) {
      for (let i = 0; i + 1 < p.length; i++) {
        const a = (c * p.length + i) * 2;
        frame.canvas.line(frame.px(p.points[a]!), frame.py(p.points[a + 1]!), frame.px(p.points[a + 2]!), frame.py(p.points[a + 3]!), color, p.width ?? 1);
      }
    }
  });
  series.forEach((s, k) => {
    const color = s.color ?? colorAt(k);
    for (let i = 0; i + 1 < s.points.length; i += 2) frame.canvas.disc(frame.px(s.points[i]!), frame.py(s.points[i + 1]!), s.radius ?? 2, color);
  });
  const legend = [
    ...series.map((s, k) => ({ name: s.name, color: s.color ?? colorAt(k) })),
    ...paths.filter((p) => p.name).map((p, k) => ({ name: p.name!, color: p.color ?? colorAt(k + series.length) })),
  ];
  drawLegend(frame, legend);
  return frame.canvas;
}
