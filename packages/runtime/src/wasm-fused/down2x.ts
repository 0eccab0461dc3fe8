/** 2x2 box downsampling of NHWC images x [n, h, w, c] (h, w even): y = scale ((x00 + x01) + (x10 + x11)), as @flow/native adds them. */
export function down2x(x: Float32Array, h: number, w: number, c: number, scale: number, y: Float32Array): void {
  const oh = h / 2;
  const ow = w / 2;
  const rows = y.length / (ow * c); // n * oh
  const rowStride = w * c;
  const k = Math.fround(scale);
  for (let r = 0, o = 0; r < rows; r++) {
    const img = Math.floor(r / oh);
    const oy = r - img * oh;
    const row0 = (img * h + 2 * oy) * rowStride;
    const row1 = row0 + rowStride;
    for (let ox = 0; ox < ow; ox++) {
      const p0 = row0 + 2 * ox * c;
      const p1 = row1 + 2 * ox * c;
      for (let j = 0; j < c; j++, o++) {
        const t0 = Math.fround(x[p0 + j] + x[p0 + c + j]);
        const t1 = Math.fround(x[p1 + j] + x[p1 + c + j]);
        y[o] = Math.fround(t0 + t1) * k;
      }
    }
  }
}
