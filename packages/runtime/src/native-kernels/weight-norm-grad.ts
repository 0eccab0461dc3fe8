import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel name of the gradient of FlowWeightNorm (inputs `w`, `dy`; attrs `eps`, `scale`). */
export const WEIGHT_NORM_GRAD = 'FlowWeightNormGrad';

/** dw = scale (dy / d - w (dy . w) / (d^2 |w| sqrt(fan_in))) per output channel, one native call instead of ~15 kernels. */
export function weightNormGrad(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const w = args.inputs.w as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  if (w.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${WEIGHT_NORM_GRAD}: float32 inputs expected`);
  const out = backend.makeOutput(w.shape, 'float32');
  const size = w.shape.reduce((a, b) => a * b, 1);
  const cols = w.shape[w.shape.length - 1];
  if (w.shape.length >= 2 && size > 0) engine.colNormalizeGrad(heapF32(backend, w), heapF32(backend, dy), size / cols, args.attrs.eps as number, args.attrs.scale as number, heapF32(backend, out));
  return out;
}

export const nativeWeightNormGradConfig: KernelConfig = {
  kernelName: WEIGHT_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: bindEngine(weightNormGrad, nativeEngine),
};
