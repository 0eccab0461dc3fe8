import type { Conv2DAttrs, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterSetup, conv2DSetup } from '../native-kernels/conv-setup';
import { modGeometry } from '../native-kernels/mp-silu-mod';
import { heapElementwise } from '../wasm-fused/elementwise-module';
import { simdFusedEngine } from '../wasm-fused/simd-fused-engine';
import { wasmGemm } from '../wasm-threads/engine';
import { convShape, implicitConv, implicitFilterGrad, winogradFilterGradApplies, type Activation } from '../wasm-threads/implicit-conv';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * Kernel name of a stride-1 'same' conv of EDM2's activation of its input: conv(mp_silu(x), filter), or with
 * per-image channel scales `s` [n, c] conv(mp_silu(x s), filter) (inputs `x`, `filter`, optional `s`). It saves
 * the activation's own pass over memory and its tensor. Its gradient is composed by the caller (@flow/unet-edm2):
 * Conv2DBackpropInput then FlowMpSiluGrad / FlowMpSiluModGrad for x (and s), MP_SILU_CONV2D_FILTER_GRAD for the
 * filter.
 */
export const MP_SILU_CONV2D = 'FlowMpSiluConv2D';

/** Kernel name of that conv's filter gradient from x (not activated), dy and optional `s`; attr `filterShape`. */
export const MP_SILU_CONV2D_FILTER_GRAD = 'FlowMpSiluConv2DBackpropFilter';

const SAME: Conv2DAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined };

/**
 * On tfjs's shared heap with channels in whole vectors the activation is applied as the conv copies its input
 * into the zero-padded image (the same wasm arithmetic as FlowMpSilu / FlowMpSiluMod, so the result is the
 * unfused pair's bit for bit); elsewhere the activation runs first into a temporary tensor.
 */
function mpSiluConv2d(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: unknown }): TensorInfo {
  const s = args.inputs.s as TensorInfo | undefined;
  checkInputs(MP_SILU_CONV2D, [args.inputs.x, args.inputs.filter, s]);
  const { hw } = s ? modGeometry(MP_SILU_CONV2D, args.inputs.x as TensorInfo, s) : { hw: 0 };
  const { backend, g, out, empty, x, filter } = conv2DSetup({ inputs: { x: args.inputs.x as TensorInfo, filter: args.inputs.filter as TensorInfo }, backend: args.backend, attrs: SAME }, 'wasm');
  const c = g.inChannels;
  if (empty) return out;
  const gemm = wasmGemm();
  const onHeap = gemm.sharesHeapWith(backend);
  if (onHeap && c % 4 === 0 && heapElementwise(backend)) {
    implicitConv(gemm, heapF32(backend, x), convShape(g), heapF32(backend, filter), 'hwio', heapF32(backend, out), true, { scales: s ? heapF32(backend, s).byteOffset : undefined });
    return out;
  }
  withActivated(backend, x, s, hw, c, (a) => implicitConv(gemm, a, convShape(g), heapF32(backend, filter), 'hwio', heapF32(backend, out), onHeap));
  return out;
}

/** float32 inputs (`s` may be absent), checked before the output is allocated. */
function checkInputs(kernel: string, inputs: (TensorInfo | undefined)[]): void {
  if (inputs.some((t) => t !== undefined && t.dtype !== 'float32')) throw new Error(`${kernel}: float32 inputs expected`);
}

/** Runs `body` on mp_silu(x) (x s with `s`) in a temporary tensor, freed after. */
function withActivated(backend: WasmBackendLike, x: TensorInfo, s: TensorInfo | undefined, hw: number, c: number, body: (activated: Float32Array) => void): void {
  const act = backend.makeOutput(x.shape, 'float32');
  try {
    // Views after the allocation, which can grow the heap.
    const [xv, av] = [heapF32(backend, x), heapF32(backend, act)];
    if (s) simdFusedEngine.mpSiluMod(xv, heapF32(backend, s), hw, c, av);
    else simdFusedEngine.mpSilu(xv, av);
    body(heapF32(backend, act));
  } finally {
    backend.disposeData(act.dataId);
  }
}

/**
 * dW of FlowMpSiluConv2D: the filter gradient with x activated. Where the filter gradient runs as Winograd (on
 * the shared heap, channels in whole vectors) the activation is applied in its padded copy of x; elsewhere x is
 * activated into a temporary first. Either way the result is Conv2DBackpropFilter of the activated x bit for bit.
 */
function mpSiluConv2dFilterGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }): TensorInfo {
  const s = args.inputs.s as TensorInfo | undefined;
  const filterShape = args.attrs.filterShape as [number, number, number, number];
  checkInputs(MP_SILU_CONV2D_FILTER_GRAD, [args.inputs.x, args.inputs.dy, s]);
  const { hw } = s ? modGeometry(MP_SILU_CONV2D_FILTER_GRAD, args.inputs.x as TensorInfo, s) : { hw: 0 };
  const { backend, g, out, empty, x, dy } = conv2DBackpropFilterSetup({ inputs: { x: args.inputs.x as TensorInfo, dy: args.inputs.dy as TensorInfo }, backend: args.backend, attrs: { ...SAME, filterShape } }, 'wasm');
  const c = g.inChannels;
  if (empty) return out;
  const gemm = wasmGemm();
  const onHeap = gemm.sharesHeapWith(backend);
  const shape = convShape(g);
  // The Winograd filter gradient runs on the shared heap with channels in whole vectors: it can activate x.
  if (winogradFilterGradApplies(gemm, shape, onHeap)) {
    const act: Activation = { scales: s ? heapF32(backend, s).byteOffset : undefined };
    implicitFilterGrad(gemm, heapF32(backend, x), heapF32(backend, dy), shape, heapF32(backend, out), true, act);
    return out;
  }
  withActivated(backend, x, s, hw, c, (a) => implicitFilterGrad(gemm, a, heapF32(backend, dy), shape, heapF32(backend, out), onHeap));
  return out;
}

export const mpSiluConv2DConfig: KernelConfig = {
  kernelName: MP_SILU_CONV2D,
  backendName: 'wasm',
  kernelFunc: mpSiluConv2d as unknown as KernelFunc,
};

export const mpSiluConv2DFilterGradConfig: KernelConfig = {
  kernelName: MP_SILU_CONV2D_FILTER_GRAD,
  backendName: 'wasm',
  kernelFunc: mpSiluConv2dFilterGrad as unknown as KernelFunc,
};
