/** Nearest 2x upsampling of NHWC images x [n, h, w, c]: y = scale x repeated over 2x2 blocks (down2x's gradient). */
export function up2x(x: Float32Array, h: number, w: number, c: number, scale: number, y: Float32Array): void {
  const rows = x.length / (w * c); // n * h
  const outRow = 2 * w * c;
  const k = Math.fround(scale);
  for (let r = 0; r < rows; r++) {
    const out0 = 2 * r * outRow;
    for (let ix = 0, i = r * w * c; ix < w; ix++)
      for (let j = 0, o = out0 + 2 * ix * c; j < c; j++, i++, o++) {
        const v = k * x[i];
        y[o] = v;
        y[o + c] = v;
      }
    y.copyWithin(out0 + outRow, out0, out0 + outRow);
  }
}
