import { backend_util, Conv2D, type Conv2DAttrs, type Conv2DInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry, isEmptyConv } from '../native-kernels/conv-geometry';
import { wasmGemm } from '../wasm-threads/engine';
import { convShape, implicitConv } from '../wasm-threads/implicit-conv';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * Conv2D (NHWC, any stride, padding, dilation) as an implicit-im2col GEMM on the threaded wasm engine
 * (wasm-threads/implicit-conv.ts): y[pixel, co] = sum over (kh, kw, ci) of x at the tap * w, no patch matrix.
 */
function conv2d(args: { inputs: Conv2DInputs; backend: unknown; attrs: Conv2DAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, false, format);
  const g = convGeometry(info, 'wasm Conv2D');
  const out = backend.makeOutput(info.outShape, 'float32');
  const ys = heapF32(backend, out);
  if (isEmptyConv(g)) {
    ys.fill(0);
    return out;
  }
  const CO = g.outChannels;
  const C = g.inChannels;
  implicitConv(wasmGemm(), heapF32(backend, x), convShape(g), heapF32(backend, filter), (tap, ci, co) => (tap * C + ci) * CO + co, ys);
  return out;
}

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d as unknown as KernelFunc,
};
