import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel name of the gradient of FlowMpCat: [ca dy[..., :na], cb dy[..., na:]] (input `dy`; attrs `na`, `ca`, `cb`). */
export const MP_CAT_GRAD = 'FlowMpCatGrad';

/** Both input gradients in one pass instead of two Slices and two Multiplys. */
export function mpCatGrad(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const dy = args.inputs.dy as TensorInfo;
  if (dy.dtype !== 'float32') throw new Error(`${MP_CAT_GRAD}: float32 input expected, got ${dy.dtype}`);
  const r = dy.shape.length - 1;
  const na = args.attrs.na as number;
  const nb = dy.shape[r] - na;
  if (!(na > 0 && nb > 0)) throw new Error(`${MP_CAT_GRAD}: na = ${na} must split the last axis of [${dy.shape}]`);
  const da = backend.makeOutput([...dy.shape.slice(0, r), na], 'float32');
  const db = backend.makeOutput([...dy.shape.slice(0, r), nb], 'float32');
  if (dy.shape.every((d) => d > 0)) engine.mpCatGrad(heapF32(backend, dy), na, nb, args.attrs.ca as number, args.attrs.cb as number, heapF32(backend, da), heapF32(backend, db));
  return [da, db];
}

export const nativeMpCatGradConfig: KernelConfig = {
  kernelName: MP_CAT_GRAD,
  backendName: 'wasm',
  kernelFunc: bindEngine(mpCatGrad, nativeEngine),
};
