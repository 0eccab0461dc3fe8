import { Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type Conv2DBackpropInputInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32 } from '../kernels/wasm-native';
import { conv2DBackpropInputSetup } from './conv-setup';
import { nativeEngine } from './native-engine';

/** dx of a Conv2D by the native engine: sgemm dy . filter^T, then each pixel gathers its patch entries. */
function conv2DBackpropInput(args: { inputs: Conv2DBackpropInputInputs; backend: unknown; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { backend, g, out, empty, dy, filter } = conv2DBackpropInputSetup(args, 'native');
  if (empty) return out;
  nativeEngine().conv2dBackpropInput(heapF32(backend, dy), heapF32(backend, filter), heapF32(backend, out), g);
  return out;
}

export const nativeConv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
