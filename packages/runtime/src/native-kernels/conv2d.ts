import { Conv2D, type Conv2DAttrs, type Conv2DInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32 } from '../kernels/wasm-native';
import { conv2DSetup } from './conv-setup';
import { nativeEngine } from './native-engine';

/** Conv2D on the wasm heap by the native engine (im2col + OpenBLAS sgemm on every core). */
function conv2d(args: { inputs: Conv2DInputs; backend: unknown; attrs: Conv2DAttrs }): TensorInfo {
  const { backend, g, out, empty, x, filter } = conv2DSetup(args, 'native');
  if (empty) return out;
  nativeEngine().conv2dForward(heapF32(backend, x), heapF32(backend, filter), heapF32(backend, out), g);
  return out;
}

export const nativeConv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d as unknown as KernelFunc,
};
