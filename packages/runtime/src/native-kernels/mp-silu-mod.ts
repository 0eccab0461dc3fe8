import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel name of EDM2's modulated activation, mp_silu(x * s) with x [n, ..., c] and per-image scales s [n, c] (inputs `x`, `s`). */
export const MP_SILU_MOD = 'FlowMpSiluMod';

/** [n, pixels per image, c] of x, checked against s [n, c]. */
export function modGeometry(name: string, x: TensorInfo, s: TensorInfo): { hw: number; c: number } {
  const n = x.shape[0];
  const c = x.shape[x.shape.length - 1];
  if (x.shape.length < 2 || s.shape.length !== 2 || s.shape[0] !== n || s.shape[1] !== c) throw new Error(`${name}: scales [${s.shape}] do not match x [${x.shape}] (expected [n, c])`);
  return { hw: x.shape.slice(1, -1).reduce((a, b) => a * b, 1), c };
}

/** One pass instead of Reshape, Multiply and FlowMpSilu. */
export function mpSiluMod(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const s = args.inputs.s as TensorInfo;
  if (x.dtype !== 'float32' || s.dtype !== 'float32') throw new Error(`${MP_SILU_MOD}: float32 inputs expected`);
  const { hw, c } = modGeometry(MP_SILU_MOD, x, s);
  const out = backend.makeOutput(x.shape, 'float32');
  if (x.shape.every((d) => d > 0)) engine.mpSiluMod(heapF32(backend, x), heapF32(backend, s), hw, c, heapF32(backend, out));
  return out;
}

export const nativeMpSiluModConfig: KernelConfig = {
  kernelName: MP_SILU_MOD,
  backendName: 'wasm',
  kernelFunc: bindEngine(mpSiluMod, nativeEngine),
};
