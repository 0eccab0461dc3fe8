import type { KernelConfig } from '@tensorflow/tfjs-core';
import { useKernels } from './kernel-swap';
import { conv2DConfig } from './kernels/conv2d';
import { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './kernels/conv2d-backprop-input';
import { batchMatMulConfig } from './kernels/batch-mat-mul';
import { identityConfig } from './kernels/identity';
import { addConfig } from './kernels/add';
import { multiplyConfig } from './kernels/multiply';
import { mpSiluConv2DConfig, mpSiluConv2DFilterGradConfig } from './kernels/mp-silu-conv2d';
import { captureStock } from './kernels/over-stock';
import { WASM_FUSED_KERNELS } from './wasm-fused/wasm-fused-kernels';

/** The kernels this package adds to (or replaces in) the wasm backend. */
export const WASM_KERNELS: readonly KernelConfig[] = [conv2DConfig, conv2DBackpropFilterConfig, conv2DBackpropInputConfig, batchMatMulConfig, identityConfig, addConfig, multiplyConfig, mpSiluConv2DConfig, mpSiluConv2DFilterGradConfig, ...WASM_FUSED_KERNELS];

/** Ours in front of the backend's own kernels of the same name, which take the cases ours leave. */
const OVER_STOCK = [addConfig, multiplyConfig];

/**
 * Registers the project's wasm kernels (idempotent): Conv2D, both conv gradients and BatchMatMul on the
 * threaded wasm GEMM engine (src/wasm-threads; they run on the calling thread alone until initBackend starts
 * the worker threads), Identity without a copy, large float32 Add (same shapes) and Multiply (by a scalar)
 * shared among the threads in front of the stock kernels, and the fused EDM2 kernels (weight normalisation, mp_cat,
 * mp_sum, normalize, ... under the native engine's names, their loops in TypeScript: src/wasm-fused), a conv of
 * the mp_silu of its input and its filter gradient (FlowMpSiluConv2D, FlowMpSiluConv2DBackpropFilter), which replace
 * the native engine's if it had registered them (the mp_silu family as vector-SIMD wasm on the worker threads). Returns the kernel names registered. Call before the first op on wasm
 * (initBackend('wasm') does it for you).
 */
export function registerWasmKernels(): string[] {
  // Without the backend's own Add/Multiply to fall back on (tfjs-backend-wasm not loaded yet), keep those.
  const withStock = captureStock(OVER_STOCK);
  return useKernels(withStock ? WASM_KERNELS : WASM_KERNELS.filter((k) => !OVER_STOCK.includes(k)));
}
