import type { Canvas, Color } from './canvas';
import { type AxisSpec, dataRange, drawFrame, drawLegend } from './axes';
import { colorAt } from './palette';

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: Color;
  /** Draw a marker at each point (default true). */
  markers?: boolean;
}

export interface LineChartOptions {
  series: LineSeries[];
  x?: AxisSpec;
  y?: AxisSpec;
  title?: string;
  width?: number;
  height?: number;
}

/** A line chart (log axes supported): e.g. error vs NFE per solver. Non-finite points break the line. */
export function lineChart(options: LineChartOptions): Canvas {
  const x = options.x ?? {};
  const y = options.y ?? {};
  const xs = options.series.flatMap((s) => Array.from(s.x));
  const ys = options.series.flatMap((s) => Array.from(s.y));
  const frame = drawFrame(options.width ?? 720, options.height ?? 480, dataRange(xs, x), dataRange(ys, y), x, y, options.title);
  const ok = (vx: number, vy: number) => Number.isFinite(vx) && Number.isFinite(vy) && (!x.log || vx > 0) && (!y.log || vy > 0);
  options.series.forEach((s, k) => {
    const color = s.color ?? colorAt(k);
    let prev: [number, number] | null = null;
    for (let i = 0; i < s.x.length; i++) {
      const vx = s.x[i]!;
      const vy = s.y[i]!;
      if (!ok(vx, vy)) {
        prev = null;
        continue;
      }
      const p: [number, number] = [frame.px(vx), frame.py(vy)];
      if (prev) frame.canvas.line(prev[0], prev[1], p[0], p[1], color, 2);
      if (s.markers !== false) frame.canvas.disc(p[0], p[1], 3, color);
      prev = p;
    }
  });
  drawLegend(frame, options.series.map((s, k) => ({ name: s.name, color: s.color ?? colorAt(k) })));
  return frame.canvas;
}
