import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { convGeometry, isEmptyConv } from '../native-kernels/conv-geometry';
import { GEMM_MR, GEMM_NR } from '../wasm-threads/gemm-module';
import { wasmGemm } from '../wasm-threads/engine';
import { imagesPerChunk, packPanels, packPatches, unpackRows } from '../wasm-threads/pack-panels';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * dW[k, co] = sum over m of patches[m, k] * dy[m, co] (NHWC, any stride, padding, dilation) on the threaded
 * wasm engine: the transposed patch panels are packed straight from x, and chunks of images accumulate into
 * one C in a fixed order (the chunking depends on the shapes only, never on the thread count).
 */
function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: unknown; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  const g = convGeometry(info, 'Conv2DBackpropFilter');
  const out = backend.makeOutput(filterShape, 'float32');
  const dw = heapF32(backend, out);
  if (isEmptyConv(g)) {
    dw.fill(0);
    return out;
  }
  const plane = g.outHeight * g.outWidth;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const CO = g.outChannels;
  const xs = heapF32(backend, x);
  const dys = heapF32(backend, dy);
  const gemm = wasmGemm();
  const chunk = imagesPerChunk(g.batchSize, plane * (K + GEMM_MR + CO + GEMM_NR));
  // One layout for every chunk (depth of the largest; a shorter last chunk is zero-padded), so C stays put.
  const l = gemm.layout(1, K, CO, chunk * plane);
  for (let n0 = 0; n0 < g.batchSize; n0 += chunk) {
    const nc = Math.min(chunk, g.batchSize - n0);
    const mem = gemm.floats();
    packPatches(xs, g, n0, nc, mem, l.a, GEMM_MR, l.kp, false);
    packPanels(dys, n0 * plane * CO, CO, nc * plane, 1, CO, mem, l.b, GEMM_NR, l.kp);
    gemm.run(l, n0 > 0);
  }
  unpackRows(gemm.floats(), l.c, l.ldc, K, CO, dw, 0);
  return out;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
