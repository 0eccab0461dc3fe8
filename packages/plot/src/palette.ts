import type { Color } from './canvas';

/** Colour-blind-friendly categorical palette (Okabe-Ito order, then a few extra). */
export const palette: readonly Color[] = [
  [0, 114, 178],
  [213, 94, 0],
  [0, 158, 115],
  [204, 121, 167],
  [230, 159, 0],
  [86, 180, 233],
  [0, 0, 0],
  [240, 228, 66],
  [120, 120, 120],
  [150, 60, 40],
];

export function colorAt(i: number): Color {
  return palette[i % palette.length]!;
}

export function toCss(c: Color): string {
  return c.length === 4 ? `rgba(${c[0]},${c[1]},${c[2]},${(c[3] / 255).toFixed(3)})` : `rgb(${c[0]},${c[1]},${c[2]})`;
}
