import { backend_util, Conv2D, type Conv2DAttrs, type Conv2DInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { convGeometry, isEmptyConv } from './conv-geometry';
import { nativeEngine } from './native-engine';

/** Conv2D on the wasm heap by the native engine (im2col + OpenBLAS sgemm on every core). */
function conv2d(args: { inputs: Conv2DInputs; backend: unknown; attrs: Conv2DAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, false, format);
  const g = convGeometry(info, 'native Conv2D');
  const out = backend.makeOutput(info.outShape, 'float32');
  if (isEmptyConv(g)) {
    heapF32(backend, out).fill(0);
    return out;
  }
  nativeEngine().conv2dForward(heapF32(backend, x), heapF32(backend, filter), heapF32(backend, out), g);
  return out;
}

export const nativeConv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d as unknown as KernelFunc,
};
