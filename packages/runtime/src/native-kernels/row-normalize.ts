import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel name of EDM2's normalize over the last axis, x / (eps + |x| / sqrt(c)) (input `x`, attr `eps`). */
export const ROW_NORMALIZE = 'FlowRowNormalize';

/** One pass instead of Square, Sum, Sqrt, Multiply, Add, RealDiv. */
export function rowNormalize(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  if (x.dtype !== 'float32') throw new Error(`${ROW_NORMALIZE}: float32 input expected, got ${x.dtype}`);
  const out = backend.makeOutput(x.shape, 'float32');
  const c = x.shape[x.shape.length - 1];
  if (out.shape.length > 0 && c > 0 && x.shape.every((d) => d > 0)) engine.rowNormalize(heapF32(backend, x), c, args.attrs.eps as number, heapF32(backend, out));
  return out;
}

export const nativeRowNormalizeConfig: KernelConfig = {
  kernelName: ROW_NORMALIZE,
  backendName: 'wasm',
  kernelFunc: bindEngine(rowNormalize, nativeEngine),
};
