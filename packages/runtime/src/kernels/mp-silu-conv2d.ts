import type { Conv2DAttrs, KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { conv2DSetup } from '../native-kernels/conv-setup';
import { modGeometry } from '../native-kernels/mp-silu-mod';
import { heapElementwise } from '../wasm-fused/elementwise-module';
import { simdFusedEngine } from '../wasm-fused/simd-fused-engine';
import { wasmGemm } from '../wasm-threads/engine';
import { convShape, implicitConv } from '../wasm-threads/implicit-conv';
import { heapF32 } from './wasm-native';

/**
 * Kernel name of a stride-1 'same' conv of EDM2's activation of its input: conv(mp_silu(x), filter), or with
 * per-image channel scales `s` [n, c] conv(mp_silu(x s), filter) (inputs `x`, `filter`, optional `s`). No
 * gradient: the U-Net runs it only outside gradient tapes (sampling), where it saves the activation's own pass
 * over memory and its tensor.
 */
export const MP_SILU_CONV2D = 'FlowMpSiluConv2D';

const SAME: Conv2DAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined };

/**
 * On tfjs's shared heap with channels in whole vectors the activation is applied as the conv copies its input
 * into the zero-padded image (the same wasm arithmetic as FlowMpSilu / FlowMpSiluMod, so the result is the
 * unfused pair's bit for bit); elsewhere the activation runs first into a temporary tensor.
 */
function mpSiluConv2d(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: unknown }): TensorInfo {
  const s = args.inputs.s as TensorInfo | undefined;
  const { backend, g, out, empty, x, filter } = conv2DSetup({ inputs: { x: args.inputs.x as TensorInfo, filter: args.inputs.filter as TensorInfo }, backend: args.backend, attrs: SAME }, 'wasm');
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || (s && s.dtype !== 'float32')) throw new Error(`${MP_SILU_CONV2D}: float32 inputs expected`);
  const { hw, c } = s ? modGeometry(MP_SILU_CONV2D, x, s) : { hw: 0, c: g.inChannels };
  if (empty) return out;
  const gemm = wasmGemm();
  const onHeap = gemm.sharesHeapWith(backend);
  if (onHeap && c % 4 === 0 && heapElementwise(backend)) {
    implicitConv(gemm, heapF32(backend, x), convShape(g), heapF32(backend, filter), 'hwio', heapF32(backend, out), true, { scales: s ? heapF32(backend, s).byteOffset : undefined });
    return out;
  }
  const act = backend.makeOutput(x.shape, 'float32');
  try {
    // Views after the allocation, which can grow the heap.
    const [xv, av] = [heapF32(backend, x), heapF32(backend, act)];
    if (s) simdFusedEngine.mpSiluMod(xv, heapF32(backend, s), hw, c, av);
    else simdFusedEngine.mpSilu(xv, av);
    implicitConv(gemm, heapF32(backend, act), convShape(g), heapF32(backend, filter), 'hwio', heapF32(backend, out), onHeap);
  } finally {
    backend.disposeData(act.dataId);
  }
  return out;
}

export const mpSiluConv2DConfig: KernelConfig = {
  kernelName: MP_SILU_CONV2D,
  backendName: 'wasm',
  kernelFunc: mpSiluConv2d as unknown as KernelFunc,
};
