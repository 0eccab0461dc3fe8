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
import { wasmGemm } from '../wasm-threads/engine';
import { convShape, implicitFilterGrad } from '../wasm-threads/implicit-conv';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * dW[kh, kw, ci, co] = sum over images and output pixels of x at the tap * dy (NHWC, any stride, padding,
 * dilation) on the threaded wasm engine (wasm-threads/implicit-conv.ts): each GEMM_MR x GEMM_NR block of dW
 * is one task that reads x and dy in place and keeps its whole sum in registers, in a fixed order.
 */
function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: unknown; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  const g = convGeometry(info, 'wasm Conv2DBackpropFilter');
  const out = backend.makeOutput(filterShape, 'float32');
  const dw = heapF32(backend, out);
  if (isEmptyConv(g)) {
    dw.fill(0);
    return out;
  }
  implicitFilterGrad(wasmGemm(), heapF32(backend, x), heapF32(backend, dy), convShape(g), dw);
  return out;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
