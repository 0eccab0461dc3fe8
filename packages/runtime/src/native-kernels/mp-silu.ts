import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel name of EDM2's fused magnitude-preserving SiLU, x sigmoid(x) / 0.596 (input `x`). */
export const MP_SILU = 'FlowMpSilu';

/** mp_silu in one pass on every core, instead of Sigmoid + two Multiplys. */
export function mpSilu(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  if (x.dtype !== 'float32') throw new Error(`${MP_SILU}: float32 input expected, got ${x.dtype}`);
  const out = backend.makeOutput(x.shape, 'float32');
  engine.mpSilu(heapF32(backend, x), heapF32(backend, out));
  return out;
}

export const nativeMpSiluConfig: KernelConfig = {
  kernelName: MP_SILU,
  backendName: 'wasm',
  kernelFunc: bindEngine(mpSilu, nativeEngine),
};
