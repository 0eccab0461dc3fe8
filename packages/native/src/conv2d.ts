import { requireBinding } from './availability';
import { NativeInputError } from './errors';

/**
 * One 2-D convolution, NHWC input [batch, inHeight, inWidth, inChannels], filter
 * [filterHeight, filterWidth, inChannels, outChannels] (the tfjs layout), output [batch, outHeight, outWidth,
 * outChannels]. Field names follow tfjs's Conv2DInfo, so one can be passed as is (with padTop / padLeft from its padInfo).
 */
export interface Conv2DGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  filterHeight: number;
  filterWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  /** Leading zero padding (rows above, columns left); trailing padding follows from the output size. */
  padTop: number;
  padLeft: number;
}

const FIELDS = ['batchSize', 'inHeight', 'inWidth', 'inChannels', 'filterHeight', 'filterWidth', 'outChannels', 'outHeight', 'outWidth', 'strideHeight', 'strideWidth', 'dilationHeight', 'dilationWidth', 'padTop', 'padLeft'] as const;

function packGeometry(g: Conv2DGeometry): Int32Array {
  const v = new Int32Array(FIELDS.length);
  FIELDS.forEach((f, i) => {
    const x = g[f];
    const min = f === 'padTop' || f === 'padLeft' ? 0 : 1;
    if (!Number.isInteger(x) || x < min || x > 2 ** 31 - 1) throw new NativeInputError(`geometry.${f}: expected an integer >= ${min}, got ${x}`, f);
    v[i] = x;
  });
  return v;
}

function run(kind: 0 | 1 | 2, a: Float32Array, b: Float32Array, out: Float32Array, g: Conv2DGeometry): void {
  const binding = requireBinding();
  const geometry = packGeometry(g);
  try {
    binding.conv2d(kind, a, b, out, geometry);
  } catch (e) {
    throw new NativeInputError(e instanceof Error ? e.message : String(e), 'geometry');
  }
}

/** y = conv(x, filter): im2col (chunked) + OpenBLAS sgemm; a 1x1 stride-1 conv is a single sgemm. */
export function conv2dForward(x: Float32Array, filter: Float32Array, y: Float32Array, g: Conv2DGeometry): void {
  run(0, x, filter, y, g);
}

/** dx from dy (the gradient of conv2dForward with respect to x): sgemm dy . filter^T, then a per-pixel gather. */
export function conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, g: Conv2DGeometry): void {
  run(1, dy, filter, dx, g);
}

/** dfilter from x and dy: sgemm patches^T . dy, accumulated over chunks in a fixed order. */
export function conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dfilter: Float32Array, g: Conv2DGeometry): void {
  run(2, x, dy, dfilter, g);
}
