import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/**
 * Kernel name of EDM2's weight normalisation with its scale: every output channel (last axis) of `w` normalised
 * over all other axes (its fan-in), y = scale w / (eps + |w| / sqrt(fan_in)) (input `w`; attrs `eps`, `scale`).
 */
export const WEIGHT_NORM = 'FlowWeightNorm';

/** One native call instead of Square, Sum, Sqrt, Multiply, Add, RealDiv, Multiply. */
export function weightNorm(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const w = args.inputs.w as TensorInfo;
  if (w.dtype !== 'float32') throw new Error(`${WEIGHT_NORM}: float32 input expected, got ${w.dtype}`);
  const out = backend.makeOutput(w.shape, 'float32');
  const size = w.shape.reduce((a, b) => a * b, 1);
  const cols = w.shape[w.shape.length - 1];
  if (w.shape.length >= 2 && size > 0) engine.colNormalize(heapF32(backend, w), size / cols, args.attrs.eps as number, args.attrs.scale as number, heapF32(backend, out));
  return out;
}

export const nativeWeightNormConfig: KernelConfig = {
  kernelName: WEIGHT_NORM,
  backendName: 'wasm',
  kernelFunc: bindEngine(weightNorm, nativeEngine),
};
