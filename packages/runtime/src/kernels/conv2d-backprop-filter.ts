import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapF32, idOf, matMulInto, native, transposeF32, type WasmBackendLike } from './wasm-native';

/** Patch-matrix budget per chunk, in floats (64 MiB): bounds memory for large batches. */
let chunkFloats = 16 * 1024 * 1024;
let useConvTrick = true;

/** Chooses between the conv-trick path and the im2col + GEMM path (tests cover both). Returns the previous choice. */
export function setConv2DBackpropFilterConvTrick(on: boolean): boolean {
  const prev = useConvTrick;
  useConvTrick = on;
  return prev;
}

/** Sets the patch-matrix budget per chunk (floats); returns the previous one. Tests use it to exercise chunking. */
export function setConv2DBackpropFilterChunkFloats(n: number): number {
  const prev = chunkFloats;
  chunkFloats = n;
  return prev;
}

/**
 * dW[kh, kw, ci, co] = sum over (n, oy, ox) of x[n, oy*s + kh*d - padTop, ox*s + kw*d - padLeft, ci] * dy[n, oy, ox, co].
 *
 * The wasm backend has no Conv2DBackpropFilter, and its matmul is fast only untransposed (XNNPACK GEMM,
 * ~25 GFLOP/s here; transposed operands take a naive ~2 GFLOP/s loop). So we transpose x to channels-first
 * (native), build the transposed im2col matrix P^T [kh*kw*Cin, M] with contiguous row copies (M = N*OH*OW),
 * and compute dW = P^T . dy[M, Cout] as one plain GEMM per chunk of images, accumulating across chunks.
 */
function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: unknown; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') throw new Error(`wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const DH = info.dilationHeight;
  const DW = info.dilationWidth;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const K = KH * KW * C;
  const outShape = [KH, KW, C, CO];
  const out = backend.makeOutput(outShape, 'float32');
  const plane = OH * OW;
  if (N * plane === 0 || K * CO === 0) {
    heapF32(backend, out).fill(0);
    return out;
  }
  const padBottom = KH + (OH - 1) * SH - H - padTop;
  const padRight = KW + (OW - 1) * SW - W - padLeft;
  if (useConvTrick && DH === 1 && DW === 1 && padTop >= 0 && padLeft >= 0 && padBottom >= 0 && padRight >= 0) {
    // dW as one forward conv that XNNPACK runs without materialised patches: images become channels and input
    // channels become the batch: x' = [C, H, W, N], filter' = dy' = [OH, OW, N, CO], dilation = stride;
    // the result [C, KH, KW, CO] is transposed to [KH, KW, C, CO].
    const xP = transposeF32(backend, x, [N, H, W, C], [3, 1, 2, 0]);
    const dyP = transposeF32(backend, dy, [N, OH, OW, CO], [1, 2, 0, 3]);
    const res = backend.makeOutput([C, KH, KW, CO], 'float32');
    try {
      native(backend).conv2d(idOf(backend, xP), C, H, W, idOf(backend, dyP), OH, OW, padTop, padRight, padBottom, padLeft, 0, SH, SW, 1, 1, N, CO, idOf(backend, res));
      const t = transposeF32(backend, res, [C, KH * KW, CO], [1, 0, 2]);
      backend.disposeData(out.dataId);
      return { dataId: t.dataId, shape: outShape, dtype: 'float32' };
    } finally {
      backend.disposeData(xP.dataId);
      backend.disposeData(dyP.dataId);
      backend.disposeData(res.dataId);
    }
  }
  // x channels-first: [C, N, H, W] so each (ci, n) image plane is contiguous.
  const xT = transposeF32(backend, x, [N, H, W, C], [3, 0, 1, 2]);
  const imagesPerChunk = Math.max(1, Math.min(N, Math.floor(chunkFloats / (K * plane))));
  const chunks = Math.ceil(N / imagesPerChunk);
  const maxM = imagesPerChunk * plane;
  // P^T rows: one per (kh, kw, ci), holding that tap's input value for every output position of images n0..n0+nc.
  function im2colTransposed(xs: Float32Array, p: Float32Array, n0: number, nc: number, M: number): void {
      for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let ci = 0; ci < C; ci++) {
          const row = ((kh * KW + kw) * C + ci) * M;
          for (let ni = 0; ni < nc; ni++) {
            const src = (ci * N + n0 + ni) * H * W;
            const dst = row + ni * plane;
            for (let oy = 0; oy < OH; oy++) {
              const iy = oy * SH + kh * DH - padTop;
              const d = dst + oy * OW;
              if (iy < 0 || iy >= H) {
                for (let i = 0; i < OW; i++) p[d + i] = 0;
                continue;
              }
              const s = src + iy * W;
              const ix0 = kw * DW - padLeft;
              if (SW === 1) {
                // Contiguous run: zeros where the window leaves the image.
                const lo = Math.max(0, -ix0);
                const hi = Math.min(OW, W - ix0);
                // Plain loops: rows are short (image widths), where subarray/set/fill call overhead dominates.
                const end = Math.max(hi, lo);
                for (let i = 0; i < Math.min(lo, OW); i++) p[d + i] = 0;
                for (let i = lo, o = s + ix0; i < hi; i++) p[d + i] = xs[o + i];
                for (let i = end; i < OW; i++) p[d + i] = 0;
              } else {
                for (let ox = 0; ox < OW; ox++) {
                  const ix = ix0 + ox * SW;
                  p[d + ox] = ix >= 0 && ix < W ? xs[s + ix] : 0;
                }
              }
            }
          }
        }
      }
    }
  }
  const patches = backend.makeOutput([K, maxM], 'float32');
  const partial = chunks > 1 ? backend.makeOutput([K, CO], 'float32') : out;
  const acc = chunks > 1 ? new Float32Array(K * CO) : undefined;
  try {
    for (let chunk = 0; chunk < chunks; chunk++) {
      const n0 = chunk * imagesPerChunk;
      const nc = Math.min(imagesPerChunk, N - n0);
      const M = nc * plane;
      // XNNPACK caches the packed right operand by tensor id (contents assumed immutable), so every chunk of dy
      // gets a fresh tensor.
      const dyChunk = chunks > 1 ? backend.makeOutput([M, CO], 'float32') : dy;
      try {
        // Views after all allocations (a heap growth detaches earlier views).
        const xs = heapF32(backend, xT);
        const p = heapF32(backend, patches);
        if (chunks > 1) heapF32(backend, dyChunk).set(heapF32(backend, dy).subarray(n0 * plane * CO, (n0 + nc) * plane * CO));
        im2colTransposed(xs, p, n0, nc, M);
        matMulInto(backend, patches, [1, K, M], dyChunk, [1, M, CO], partial);
      } finally {
        if (chunks > 1) backend.disposeData(dyChunk.dataId);
      }
      if (acc) {
        const part = heapF32(backend, partial);
        for (let i = 0; i < acc.length; i++) acc[i] += part[i];
      }
    }
    if (acc) heapF32(backend, out).set(acc);
  } finally {
    backend.disposeData(xT.dataId);
    backend.disposeData(patches.dataId);
    if (chunks > 1) backend.disposeData(partial.dataId);
  }
  return out;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
