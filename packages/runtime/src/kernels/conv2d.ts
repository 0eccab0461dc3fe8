import { backend_util, Conv2D, type Conv2DAttrs, type Conv2DInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry, isEmptyConv } from '../native-kernels/conv-geometry';
import { GEMM_MR, GEMM_NR, GEMM_UNROLL } from '../wasm-threads/gemm-module';
import { wasmGemm } from '../wasm-threads/engine';
import { imagesPerChunk, packPanels, packPatches, unpackRows } from '../wasm-threads/pack-panels';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * Conv2D (NHWC) as an implicit-im2col GEMM on the threaded wasm engine: y[m, co] = patches[m, k] . w[k, co]
 * with m = (image, oy, ox) and k = (kh, kw, ci). The patch panels are packed straight from x (no patch
 * matrix on the tfjs heap); images are processed in chunks that bound the shared memory.
 */
function conv2d(args: { inputs: Conv2DInputs; backend: unknown; attrs: Conv2DAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, false, format);
  const g = convGeometry(info, 'Conv2D');
  const out = backend.makeOutput(info.outShape, 'float32');
  const ys = heapF32(backend, out);
  if (isEmptyConv(g)) {
    ys.fill(0);
    return out;
  }
  const plane = g.outHeight * g.outWidth;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const CO = g.outChannels;
  const xs = heapF32(backend, x);
  const ws = heapF32(backend, filter);
  const gemm = wasmGemm();
  const chunk = imagesPerChunk(g.batchSize, plane * (K + GEMM_UNROLL + CO + GEMM_NR));
  for (let n0 = 0; n0 < g.batchSize; n0 += chunk) {
    const nc = Math.min(chunk, g.batchSize - n0);
    const l = gemm.layout(1, nc * plane, CO, K);
    const mem = gemm.floats();
    packPatches(xs, g, n0, nc, mem, l.a, GEMM_MR, l.kp, true);
    packPanels(ws, 0, CO, K, 1, CO, mem, l.b, GEMM_NR, l.kp);
    gemm.run(l);
    unpackRows(mem, l.c, l.ldc, nc * plane, CO, ys, n0 * plane * CO);
  }
  return out;
}

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d as unknown as KernelFunc,
};
