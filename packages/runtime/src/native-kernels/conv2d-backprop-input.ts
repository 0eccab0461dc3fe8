import { backend_util, Conv2DBackpropInput, type Conv2DBackpropInputAttrs, type Conv2DBackpropInputInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { convGeometry, isEmptyConv } from './conv-geometry';
import { nativeEngine } from './native-engine';

/** dx of a Conv2D by the native engine: sgemm dy . filter^T, then each pixel gathers its patch entries. */
function conv2DBackpropInput(args: { inputs: Conv2DBackpropInputInputs; backend: unknown; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const dy = args.inputs.dy as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format);
  const g = convGeometry(info, 'native Conv2DBackpropInput');
  const out = backend.makeOutput(info.inShape, 'float32');
  if (isEmptyConv(g)) {
    heapF32(backend, out).fill(0);
    return out;
  }
  nativeEngine().conv2dBackpropInput(heapF32(backend, dy), heapF32(backend, filter), heapF32(backend, out), g);
  return out;
}

export const nativeConv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
