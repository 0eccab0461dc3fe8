import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { modGeometry } from './mp-silu-mod';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel name of the gradient of FlowMpSiluMod (inputs `x`, `s`, `dy`; outputs dx, ds). */
export const MP_SILU_MOD_GRAD = 'FlowMpSiluModGrad';

/** Both gradients in one pass instead of FlowMpSiluGrad, two Multiplys and a Sum over the pixels. */
export function mpSiluModGrad(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const s = args.inputs.s as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  if (x.dtype !== 'float32' || s.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${MP_SILU_MOD_GRAD}: float32 inputs expected`);
  const { hw, c } = modGeometry(MP_SILU_MOD_GRAD, x, s);
  const dx = backend.makeOutput(x.shape, 'float32');
  const ds = backend.makeOutput(s.shape, 'float32');
  if (x.shape.every((d) => d > 0)) engine.mpSiluModGrad(heapF32(backend, x), heapF32(backend, s), heapF32(backend, dy), hw, c, heapF32(backend, dx), heapF32(backend, ds));
  return [dx, ds];
}

export const nativeMpSiluModGradConfig: KernelConfig = {
  kernelName: MP_SILU_MOD_GRAD,
  backendName: 'wasm',
  kernelFunc: bindEngine(mpSiluModGrad, nativeEngine),
};
