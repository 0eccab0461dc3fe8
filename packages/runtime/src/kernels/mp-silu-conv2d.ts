import type { Conv2DAttrs, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterSetup, conv2DSetup } from '../native-kernels/conv-setup';
import { modGeometry } from '../native-kernels/mp-silu-mod';
import { heapElementwise } from '../wasm-fused/elementwise-module';
import { simdFusedEngine } from '../wasm-fused/simd-fused-engine';
import { wasmGemm } from '../wasm-threads/engine';
import { convShape, implicitConv, implicitFilterGrad, winogradFilterGradApplies, winogradPaddedShape, type Activation } from '../wasm-threads/implicit-conv';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * Kernel name of a stride-1 'same' conv of EDM2's activation of its input: conv(mp_silu(x), filter), or with
 * per-image channel scales `s` [n, c] conv(mp_silu(x s), filter) (inputs `x`, `filter`, optional `s`). It saves
 * the activation's own pass over memory and its tensor. Its gradient is composed by the caller (@flow/unet-edm2):
 * Conv2DBackpropInput then FlowMpSiluGrad / FlowMpSiluModGrad for x (and s), MP_SILU_CONV2D_FILTER_GRAD for the
 * filter. With attr `keepPadded: true` it returns two tensors, y and the activated, zero-padded x it convolved
 * (empty, shape [0], where the filter gradient would not read it): saved for the filter gradient, it spares
 * that kernel the activation and the copy.
 */
export const MP_SILU_CONV2D = 'FlowMpSiluConv2D';

/**
 * Kernel name of that conv's filter gradient from x (not activated), dy and optional `s`; attr `filterShape`.
 * Optional input `padded`: the forward's second output (keepPadded), read instead of activating x again.
 */
export const MP_SILU_CONV2D_FILTER_GRAD = 'FlowMpSiluConv2DBackpropFilter';

const SAME: Conv2DAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined };

/**
 * On tfjs's shared heap with channels in whole vectors the activation is applied as the conv copies its input
 * into the zero-padded image (the same wasm arithmetic as FlowMpSilu / FlowMpSiluMod, so the result is the
 * unfused pair's bit for bit); elsewhere the activation runs first into a temporary tensor.
 */
function mpSiluConv2d(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: unknown }): TensorInfo | TensorInfo[] {
  const s = args.inputs.s as TensorInfo | undefined;
  checkInputs(MP_SILU_CONV2D, [args.inputs.x, args.inputs.filter, s]);
  const { hw } = s ? modGeometry(MP_SILU_CONV2D, args.inputs.x as TensorInfo, s) : { hw: 0 };
  const { backend, g, out, empty, x, filter } = conv2DSetup({ inputs: { x: args.inputs.x as TensorInfo, filter: args.inputs.filter as TensorInfo }, backend: args.backend, attrs: SAME }, 'wasm');
  const c = g.inChannels;
  const keep = (args.attrs as NamedAttrMap | undefined)?.keepPadded === true;
  const gemm = wasmGemm();
  const onHeap = gemm.sharesHeapWith(backend);
  const fused = !empty && onHeap && c % 4 === 0 && heapElementwise(backend) !== undefined;
  const shape = convShape(g);
  const paddedShape = keep && fused ? winogradPaddedShape(gemm, shape, onHeap) : undefined;
  // Allocated before any heap view is taken (an allocation can grow the heap).
  const padded = keep ? backend.makeOutput(paddedShape ?? [0], 'float32') : undefined;
  const outputs = (): TensorInfo | TensorInfo[] => (padded ? [out, padded] : out);
  if (empty) return outputs();
  if (fused) {
    const act: Activation = { scales: s ? heapF32(backend, s).byteOffset : undefined, padded: paddedShape && padded ? heapF32(backend, padded).byteOffset : undefined };
    implicitConv(gemm, heapF32(backend, x), shape, heapF32(backend, filter), 'hwio', heapF32(backend, out), true, act);
    return outputs();
  }
  withActivated(backend, x, s, hw, c, (a) => implicitConv(gemm, a, shape, heapF32(backend, filter), 'hwio', heapF32(backend, out), onHeap));
  return outputs();
}

/** float32 inputs (`s` may be absent), checked before the output is allocated. */
function checkInputs(kernel: string, inputs: (TensorInfo | undefined)[]): void {
  if (inputs.some((t) => t !== undefined && t.dtype !== 'float32')) throw new Error(`${kernel}: float32 inputs expected`);
}

/** The forward's padded image must be the one this filter gradient would make (same conv, same engine). */
function checkPadded(padded: TensorInfo, want: number[] | undefined): void {
  if (want === undefined || padded.shape.length !== want.length || padded.shape.some((d, i) => d !== want[i])) {
    throw new Error(`${MP_SILU_CONV2D_FILTER_GRAD}: input 'padded' has shape [${padded.shape.join(', ')}], expected [${want?.join(', ') ?? ''}] (the forward conv's second output for this x)`);
  }
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
  const padded = args.inputs.padded as TensorInfo | undefined;
  const filterShape = args.attrs.filterShape as [number, number, number, number];
  checkInputs(MP_SILU_CONV2D_FILTER_GRAD, [args.inputs.x, args.inputs.dy, s, padded]);
  const { hw } = s ? modGeometry(MP_SILU_CONV2D_FILTER_GRAD, args.inputs.x as TensorInfo, s) : { hw: 0 };
  const { backend, g, out, empty, x, dy } = conv2DBackpropFilterSetup({ inputs: { x: args.inputs.x as TensorInfo, dy: args.inputs.dy as TensorInfo }, backend: args.backend, attrs: { ...SAME, filterShape } }, 'wasm');
  const c = g.inChannels;
  if (empty) return out;
  const gemm = wasmGemm();
  const onHeap = gemm.sharesHeapWith(backend);
  const shape = convShape(g);
  // The Winograd filter gradient runs on the shared heap with channels in whole vectors: it can activate x.
  if (winogradFilterGradApplies(gemm, shape, onHeap)) {
    const kept = padded !== undefined && padded.shape.length > 1 ? padded : undefined;
    if (kept) checkPadded(kept, winogradPaddedShape(gemm, shape, onHeap));
    const act: Activation = { scales: s ? heapF32(backend, s).byteOffset : undefined, padded: kept ? heapF32(backend, kept).byteOffset : undefined };
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
