import { Canvas, type Color, textWidth } from './canvas';

export interface AxisSpec {
  label?: string;
  log?: boolean;
  /** Fixed range; otherwise taken from the data with a small margin. */
  min?: number;
  max?: number;
}

export interface Frame {
  canvas: Canvas;
  /** Data to pixel coordinates. */
  px(x: number): number;
  py(y: number): number;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function niceStep(span: number, target: number): number {
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** Linear ticks at nice steps, or log ticks at powers of ten (with 2 and 5 when the range is short). */
export function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    const lo = Math.floor(Math.log10(min));
    const hi = Math.ceil(Math.log10(max));
    const mantissas = hi - lo <= 2 ? [1, 2, 5] : [1];
    for (let e = lo; e <= hi; e++) for (const m of mantissas) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
    }
    return out;
  }
  const step = niceStep(max - min || 1, 5);
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

export function dataRange(values: number[], spec: AxisSpec): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v) && (!spec.log || v > 0));
  let lo = spec.min ?? (finite.length ? Math.min(...finite) : 0);
  let hi = spec.max ?? (finite.length ? Math.max(...finite) : 1);
  if (lo === hi) {
    lo = spec.log ? lo / 2 : lo - 1;
    hi = spec.log ? hi * 2 : hi + 1;
  }
  if (spec.min === undefined && spec.max === undefined && !spec.log) {
    const pad = (hi - lo) * 0.04;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/** Draws the plot frame, ticks, grid and labels; returns the coordinate mapping. */
export function drawFrame(
  width: number,
  height: number,
  xr: [number, number],
  yr: [number, number],
  x: AxisSpec,
  y: AxisSpec,
  title?: string,
  showTicks = true,
): Frame {
  const canvas = new Canvas(width, height);
  const left = showTicks ? 70 : 12;
  const right = width - 16;
  const top = title ? 30 : 14;
  const bottom = height - (showTicks ? 44 : 12);
  const tx = (v: number) => (x.log ? Math.log10(v) : v);
  const ty = (v: number) => (y.log ? Math.log10(v) : v);
  const [x0, x1] = [tx(xr[0]), tx(xr[1])];
  const [y0, y1] = [ty(yr[0]), ty(yr[1])];
  const px = (v: number) => left + ((tx(v) - x0) / (x1 - x0)) * (right - left);
  const py = (v: number) => bottom - ((ty(v) - y0) / (y1 - y0)) * (bottom - top);
  const axis: Color = [40, 40, 40];
  const grid: Color = [225, 225, 225];
  if (showTicks) {
    for (const v of ticks(xr[0], xr[1], !!x.log)) {
      const p = px(v);
      canvas.line(p, top, p, bottom, grid, 1);
      const label = formatTick(v);
      canvas.text(p - textWidth(label) / 2, bottom + 6, label, axis);
    }
    for (const v of ticks(yr[0], yr[1], !!y.log)) {
      const p = py(v);
      canvas.line(left, p, right, p, grid, 1);
      const label = formatTick(v);
      canvas.text(left - 6 - textWidth(label), p - 4, label, axis);
    }
  }
  canvas.line(left, bottom, right, bottom, axis, 1);
  canvas.line(left, top, left, bottom, axis, 1);
  if (title) canvas.text((width - textWidth(title, 2)) / 2, 6, title, [0, 0, 0], 2);
  if (x.label) canvas.text((left + right - textWidth(x.label)) / 2, height - 14, x.label, axis);
  if (y.label) canvas.textVertical(8, (top + bottom - textWidth(y.label)) / 2, y.label, axis);
  return { canvas, px, py, left, top, right, bottom };
}

/** A legend box in the top-right corner of the frame. */
export function drawLegend(frame: Frame, items: { name: string; color: Color }[], corner: 'top-right' | 'bottom-left' = 'top-right'): void {
  if (items.length === 0) return;
  const w = Math.max(...items.map((i) => textWidth(i.name))) + 30;
  const h = items.length * 12 + 8;
  const x = corner === 'top-right' ? frame.right - w - 6 : frame.left + 6;
  const y = corner === 'top-right' ? frame.top + 6 : frame.bottom - h - 6;
  frame.canvas.fillRect(x, y, w, h, [255, 255, 255, 230]);
  items.forEach((item, k) => {
    const yy = y + 6 + k * 12;
    frame.canvas.line(x + 4, yy + 4, x + 18, yy + 4, item.color, 2);
    frame.canvas.text(x + 24, yy, item.name, [30, 30, 30]);
  });
}
