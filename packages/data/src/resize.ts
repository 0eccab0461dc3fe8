/**
 * Antialiased bicubic resize, the way clean-fid recommends (PIL's `Image.resize(..., BICUBIC)` on each channel
 * in float32, no quantisation): separable, with the cubic kernel (a = -0.5) stretched by the scale factor when
 * shrinking, so every input pixel contributes (no aliasing), and weights normalised per output pixel.
 * Layout HWC (height, width, channels), float32 in, float32 out.
 */
export function resizeBicubicAntialiased(src: ArrayLike<number>, height: number, width: number, channels: number, outHeight: number, outWidth: number): Float32Array {
  if (outHeight === height && outWidth === width) return Float32Array.from(src);
  // Horizontal pass first (as PIL does when both change), then vertical.
  const tmp = new Float32Array(height * outWidth * channels);
  const hw = weights(width, outWidth);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      const { start, w } = hw[x];
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * src[(y * width + start + k) * channels + c];
        tmp[(y * outWidth + x) * channels + c] = s;
      }
    }
  }
  const out = new Float32Array(outHeight * outWidth * channels);
  const vw = weights(height, outHeight);
  for (let y = 0; y < outHeight; y++) {
    const { start, w } = vw[y];
    for (let x = 0; x < outWidth; x++) {
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let k = 0; k < w.length; k++) s += w[k] * tmp[((start + k) * outWidth + x) * channels + c];
        out[(y * outWidth + x) * channels + c] = s;
      }
    }
  }
  return out;
}

function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Per output pixel: the first input index and the normalised weights (PIL's precompute_coeffs). */
function weights(inSize: number, outSize: number): { start: number; w: Float64Array }[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const result: { start: number; w: Float64Array }[] = [];
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    const w = new Float64Array(hi - lo);
    let total = 0;
    for (let k = 0; k < w.length; k++) {
      w[k] = cubic((lo + k - center + 0.5) / filterScale);
      total += w[k];
    }
    if (total !== 0) for (let k = 0; k < w.length; k++) w[k] /= total;
    result.push({ start: lo, w });
  }
  return result;
}
