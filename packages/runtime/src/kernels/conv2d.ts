import { Conv2D, type Conv2DAttrs, type Conv2DInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { conv2DSetup } from '../native-kernels/conv-setup';
import { wasmGemm } from '../wasm-threads/engine';
import { convShape, implicitConv } from '../wasm-threads/implicit-conv';
import { heapF32 } from './wasm-native';

/**
 * Conv2D (NHWC, any stride, padding, dilation) as an implicit-im2col GEMM on the threaded wasm engine
 * (wasm-threads/implicit-conv.ts): y[pixel, co] = sum over (kh, kw, ci) of x at the tap * w, no patch matrix.
 */
function conv2d(args: { inputs: Conv2DInputs; backend: unknown; attrs: Conv2DAttrs }): TensorInfo {
  const { backend, g, out, empty, x, filter } = conv2DSetup(args, 'wasm');
  if (empty) return out;
  const gemm = wasmGemm();
  implicitConv(gemm, heapF32(backend, x), convShape(g), heapF32(backend, filter), 'hwio', heapF32(backend, out), gemm.sharesHeapWith(backend));
  return out;
}

export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d as unknown as KernelFunc,
};
