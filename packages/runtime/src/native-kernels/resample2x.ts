import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { bindEngine, type FusedEngine } from './fused-engine';
import { nativeEngine } from './native-engine';

/** Kernel names of 2x2 box resampling of NHWC images (input `x`, attr `scale`): each is the other's gradient. */
export const DOWN_2X = 'FlowDown2x';
export const UP_2X = 'FlowUp2x';

function resample(engine: FusedEngine, name: string, up: boolean, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x as TensorInfo;
  if (x.dtype !== 'float32' || x.shape.length !== 4) throw new Error(`${name}: float32 NHWC input expected, got ${x.dtype} [${x.shape}]`);
  const [n, h, w, c] = x.shape;
  if (!up && (h % 2 !== 0 || w % 2 !== 0)) throw new Error(`${name}: even height and width expected, got [${x.shape}]`);
  const out = backend.makeOutput(up ? [n, 2 * h, 2 * w, c] : [n, h / 2, w / 2, c], 'float32');
  if (x.shape.every((d) => d > 0)) {
    if (up) engine.up2x(heapF32(backend, x), h, w, c, args.attrs.scale as number, heapF32(backend, out));
    else engine.down2x(heapF32(backend, x), h, w, c, args.attrs.scale as number, heapF32(backend, out));
  }
  return out;
}

/** One pass instead of Mean over a rank-6 reshape (a Transpose and a Sum on wasm). */
export function down2x(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  return resample(engine, DOWN_2X, false, args);
}

/** One pass instead of a broadcast Multiply by ones (and, as a gradient, a rank-6 Sum). */
export function up2x(engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  return resample(engine, UP_2X, true, args);
}

export const nativeDown2xConfig: KernelConfig = {
  kernelName: DOWN_2X,
  backendName: 'wasm',
  kernelFunc: bindEngine(down2x, nativeEngine),
};

export const nativeUp2xConfig: KernelConfig = {
  kernelName: UP_2X,
  backendName: 'wasm',
  kernelFunc: bindEngine(up2x, nativeEngine),
};
