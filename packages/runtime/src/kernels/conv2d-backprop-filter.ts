import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterSetup } from '../native-kernels/conv-setup';
import { wasmGemm } from '../wasm-threads/engine';
import { convShape, implicitFilterGrad } from '../wasm-threads/implicit-conv';
import { heapF32 } from './wasm-native';

/**
 * dW[kh, kw, ci, co] = sum over images and output pixels of x at the tap * dy (NHWC, any stride, padding,
 * dilation) on the threaded wasm engine (wasm-threads/implicit-conv.ts): each GEMM_MR x GEMM_NR block of dW
 * is one task that reads x and dy in place and keeps its whole sum in registers, in a fixed order.
 */
function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: unknown; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { backend, g, out, empty, x, dy } = conv2DBackpropFilterSetup(args, 'wasm');
  if (empty) return out;
  const gemm = wasmGemm();
  implicitFilterGrad(gemm, heapF32(backend, x), heapF32(backend, dy), convShape(g), heapF32(backend, out), gemm.sharesHeapWith(backend));
  return out;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
