import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel name of the gradient of FlowRowNormalize (inputs `x`, `dy`, attr `eps`). */
export const ROW_NORMALIZE_GRAD = 'FlowRowNormalizeGrad';

/** dx = dy / d - x (dy . x) / (d^2 |x| sqrt(c)), d = eps + |x| / sqrt(c), per row, one pass. */
export function rowNormalizeGrad(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${ROW_NORMALIZE_GRAD}: float32 inputs expected`);
  const out = backend.makeOutput(x.shape, 'float32');
  const c = x.shape[x.shape.length - 1];
  if (out.shape.length > 0 && c > 0 && x.shape.every((d) => d > 0)) engine.rowNormalizeGrad(heapF32(backend, x), heapF32(backend, dy), c, args.attrs.eps as number, heapF32(backend, out));
  return out;
}

export const nativeRowNormalizeGradConfig: KernelConfig = {
  kernelName: ROW_NORMALIZE_GRAD,
  backendName: 'wasm',
  kernelFunc: bindEngine(rowNormalizeGrad, nativeEngine),
};
