import { backend_util, Conv2DBackpropFilter, type Conv2DBackpropFilterAttrs, type Conv2DBackpropFilterInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { convGeometry, isEmptyConv } from './conv-geometry';
import { nativeEngine } from './native-engine';

/** dfilter of a Conv2D by the native engine: sgemm patches^T . dy, accumulated over fixed chunks (deterministic). */
function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: unknown; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  const g = convGeometry(info, 'native Conv2DBackpropFilter');
  const out = backend.makeOutput(filterShape, 'float32');
  if (isEmptyConv(g)) {
    heapF32(backend, out).fill(0);
    return out;
  }
  nativeEngine().conv2dBackpropFilter(heapF32(backend, x), heapF32(backend, dy), heapF32(backend, out), g);
  return out;
}

export const nativeConv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
