import { FidInputError } from '../../errors';
import { resizeBicubicAntialiased } from '@flow/data';
import type { ImageBatch } from '../image-batch';
import { INCEPTION_INPUT_SIZE } from './inception-architecture';

/**
 * How images reach 299x299:
 * - `pytorch-fid`: bilinear interpolation without antialiasing, align_corners=False (torch's
 *   F.interpolate(mode='bilinear'), what pytorch-fid's InceptionV3 does with resize_input=True);
 * - `clean`: clean-fid's resizing, PIL's antialiased bicubic on each channel in float, clipped to the pixel range.
 */
export type InceptionResize = 'pytorch-fid' | 'clean';

/** Per output index: the two source indices and the weight of the second (torch's upsample_bilinear2d). */
function bilinearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; l1: Float32Array } {
  // torch keeps the scale in float32 and the source position in double (measured on torch 1.13): same here,
  // so positions agree to the bit; they otherwise differ by ~1e-5 pixel, which random test networks amplify.
  const scale = Math.fround(inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l1 = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const real = Math.max(scale * (d + 0.5) - 0.5, 0);
    const lo = Math.min(Math.floor(real), inSize - 1);
    i0[d] = lo;
    i1[d] = lo < inSize - 1 ? lo + 1 : lo;
    l1[d] = real - lo;
  }
  return { i0, i1, l1 };
}

/** Bilinear resize of one HWC image with torch's align_corners=False sampling (no antialiasing). */
export function resizeBilinearTorch(src: ArrayLike<number>, height: number, width: number, channels: number, outHeight: number, outWidth: number): Float32Array {
  const ys = bilinearTaps(height, outHeight);
  const xs = bilinearTaps(width, outWidth);
  const out = new Float32Array(outHeight * outWidth * channels);
  for (let y = 0; y < outHeight; y++) {
    const r0 = ys.i0[y] * width;
    const r1 = ys.i1[y] * width;
    const wy1 = ys.l1[y];
    const wy0 = 1 - wy1;
    for (let x = 0; x < outWidth; x++) {
      const c0 = xs.i0[x];
      const c1 = xs.i1[x];
      const wx1 = xs.l1[x];
      const wx0 = 1 - wx1;
      const o = (y * outWidth + x) * channels;
      for (let c = 0; c < channels; c++) {
        const top = wx0 * src[(r0 + c0) * channels + c] + wx1 * src[(r0 + c1) * channels + c];
        const bottom = wx0 * src[(r1 + c0) * channels + c] + wx1 * src[(r1 + c1) * channels + c];
        out[o + c] = wy0 * top + wy1 * bottom;
      }
    }
  }
  return out;
}

/**
 * Images `start .. start + count` of a batch as the network's input: RGB (grey replicated, alpha dropped),
 * resized to 299x299, then mapped from [0, 1] to [-1, 1] (pytorch-fid's normalize_input), NHWC float32.
 */
export function inceptionInput(images: ImageBatch, start: number, count: number, resize: InceptionResize): Float32Array {
  const { height: h, width: w, channels: c } = images;
  if (c !== 1 && c !== 3 && c !== 4) throw new FidInputError(`Inception extractor: images need 1, 3 or 4 channels, got ${c}`);
  const S = INCEPTION_INPUT_SIZE;
  const per = h * w * c;
  const out = new Float32Array(count * S * S * 3);
  const rgb = new Float32Array(h * w * 3);
  for (let n = 0; n < count; n++) {
    const img = images.data.subarray((start + n) * per, (start + n + 1) * per);
    for (let p = 0; p < h * w; p++) for (let k = 0; k < 3; k++) rgb[p * 3 + k] = img[p * c + (c === 1 ? 0 : k)];
    let r: Float32Array = rgb;
    if (h !== S || w !== S) r = resize === 'clean' ? resizeBicubicAntialiased(rgb, h, w, 3, S, S) : resizeBilinearTorch(rgb, h, w, 3, S, S);
    const o = n * S * S * 3;
    const clip = resize === 'clean';
    for (let i = 0; i < r.length; i++) {
      const v = clip ? Math.min(1, Math.max(0, r[i])) : r[i];
      out[o + i] = 2 * v - 1;
    }
  }
  return out;
}
