import {
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { conv2DBackpropInputSetup } from '../native-kernels/conv-setup';
import { GEMM_MR, GEMM_NR } from '../wasm-threads/gemm-module';
import { wasmGemm } from '../wasm-threads/engine';
import { imagesPerChunk, packPanels } from '../wasm-threads/pack-panels';
import { convShape, implicitConv } from '../wasm-threads/implicit-conv';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * dx for a conv (NHWC) on the threaded wasm engine. Stride 1: the conv of dy with the rotated, channel-swapped
 * filter (an implicit-im2col GEMM, wasm-threads/implicit-conv.ts; dx = implicitConv writes every element).
 * Otherwise the patch gradients dP[m, k] = dy[m, co] . w[k, co]^T as one packed GEMM per chunk of images,
 * scattered back (col2im) into dx in a fixed order on the calling thread, so the sums are the same for
 * every thread count.
 */
function conv2DBackpropInput(args: { inputs: Conv2DBackpropInputInputs; backend: unknown; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { backend, g, out, empty, dy, filter } = conv2DBackpropInputSetup(args, 'wasm');
  if (empty) return out;
  const dx = heapF32(backend, out);
  const { inHeight: H, inWidth: W, inChannels: C, filterHeight: KH, filterWidth: KW, outHeight: OH, outWidth: OW, outChannels: CO } = g;
  const plane = OH * OW;
  const K = KH * KW * C;
  const dys = heapF32(backend, dy);
  const ws = heapF32(backend, filter);
  const gemm = wasmGemm();
  const s = convShape(g);
  const pt = (KH - 1) * g.dilationHeight - g.padTop;
  const pl = (KW - 1) * g.dilationWidth - g.padLeft;
  if (g.strideHeight === 1 && g.strideWidth === 1 && pt >= 0 && pl >= 0) {
    // Stride 1: dx is the conv of dy with the filter rotated 180 degrees and its channel axes swapped.
    const flipped = { ...s, H: OH, W: OW, C: CO, CO: C, OH: H, OW: W, padTop: pt, padLeft: pl };
    implicitConv(gemm, dys, flipped, ws, 'flipped', dx, gemm.sharesHeapWith(backend));
    return out;
  }
  dx.fill(0); // col2im below accumulates into it
  const chunk = imagesPerChunk(g.batchSize, plane * (CO + K + GEMM_NR));
  for (let n0 = 0; n0 < g.batchSize; n0 += chunk) {
    const nc = Math.min(chunk, g.batchSize - n0);
    const l = gemm.layout(1, nc * plane, K, CO);
    const mem = gemm.floats();
    packPanels(dys, n0 * plane * CO, nc * plane, CO, CO, 1, mem, l.a, GEMM_MR, l.kp);
    packPanels(ws, 0, K, CO, CO, 1, mem, l.b, GEMM_NR, l.kp);
    gemm.run(l);
    for (let ni = 0; ni < nc; ni++) {
      const img = (n0 + ni) * H * W * C;
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const row = l.c + ((ni * OH + oy) * OW + ox) * l.ldc;
          for (let kh = 0; kh < KH; kh++) {
            const iy = oy * g.strideHeight + kh * g.dilationHeight - g.padTop;
            if (iy < 0 || iy >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const ix = ox * g.strideWidth + kw * g.dilationWidth - g.padLeft;
              if (ix < 0 || ix >= W) continue;
              const d = img + (iy * W + ix) * C;
              const s = row + (kh * KW + kw) * C;
              for (let ci = 0; ci < C; ci++) dx[d + ci] += mem[s + ci];
            }
          }
        }
      }
    }
  }
  return out;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
