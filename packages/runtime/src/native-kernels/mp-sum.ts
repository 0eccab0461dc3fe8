import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel name of EDM2's mp_sum with its constants folded in, ca a + cb b (inputs `a`, `b` of one shape; attrs `ca`, `cb`). */
export const MP_SUM = 'FlowMpSum';

/** One pass instead of two Multiplys and an Add. */
export function mpSum(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`${MP_SUM}: float32 inputs expected`);
  if (a.shape.join(',') !== b.shape.join(',')) throw new Error(`${MP_SUM}: shapes [${a.shape}] and [${b.shape}] differ`);
  const out = backend.makeOutput(a.shape, 'float32');
  if (a.shape.every((d) => d > 0)) engine.mpSum(heapF32(backend, a), heapF32(backend, b), args.attrs.ca as number, args.attrs.cb as number, heapF32(backend, out));
  return out;
}

export const nativeMpSumConfig: KernelConfig = {
  kernelName: MP_SUM,
  backendName: 'wasm',
  kernelFunc: bindEngine(mpSum, nativeEngine),
};
