import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel name of EDM2's mp_cat along the last axis, [ca a, cb b] (inputs `a`, `b` of equal leading shape; attrs `ca`, `cb`). */
export const MP_CAT = 'FlowMpCat';

/** One pass instead of two Multiplys and a Concat. */
export function mpCat(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`${MP_CAT}: float32 inputs expected`);
  const r = a.shape.length - 1;
  if (r < 0 || b.shape.length !== a.shape.length || a.shape.some((d, i) => i < r && d !== b.shape[i])) throw new Error(`${MP_CAT}: shapes [${a.shape}] and [${b.shape}] differ before the last axis`);
  const [na, nb] = [a.shape[r], b.shape[r]];
  const out = backend.makeOutput([...a.shape.slice(0, r), na + nb], 'float32');
  if (na > 0 && nb > 0 && a.shape.every((d) => d > 0)) engine.mpCat(heapF32(backend, a), heapF32(backend, b), na, nb, args.attrs.ca as number, args.attrs.cb as number, heapF32(backend, out));
  return out;
}

export const nativeMpCatConfig: KernelConfig = {
  kernelName: MP_CAT,
  backendName: 'wasm',
  kernelFunc: bindEngine(mpCat, nativeEngine),
};
