import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { CLIP_BY_VALUE_GRAD } from '../gradients/clip-by-value-grad-name';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** The ClipByValue gradient in one pass (the composite rule runs GreaterEqual, LessEqual, LogicalAnd, ZerosLike, Select). */
export function clipByValueGrad(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${CLIP_BY_VALUE_GRAD}: float32 inputs expected`);
  const out = backend.makeOutput(x.shape, 'float32');
  engine.clipByValueGrad(heapF32(backend, x), heapF32(backend, dy), args.attrs.clipValueMin as number, args.attrs.clipValueMax as number, heapF32(backend, out));
  return out;
}

export const nativeClipByValueGradConfig: KernelConfig = {
  kernelName: CLIP_BY_VALUE_GRAD,
  backendName: 'wasm',
  kernelFunc: bindEngine(clipByValueGrad, nativeEngine),
};
