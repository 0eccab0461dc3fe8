import { Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type Conv2DBackpropFilterInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32 } from '../kernels/wasm-native';
import { conv2DBackpropFilterSetup } from './conv-setup';
import { nativeEngine } from './native-engine';

/** dfilter of a Conv2D by the native engine: sgemm patches^T . dy, accumulated over fixed chunks (deterministic). */
function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: unknown; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { backend, g, out, empty, x, dy } = conv2DBackpropFilterSetup(args, 'native');
  if (empty) return out;
  nativeEngine().conv2dBackpropFilter(heapF32(backend, x), heapF32(backend, dy), heapF32(backend, out), g);
  return out;
}

export const nativeConv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
