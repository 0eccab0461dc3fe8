import type { KernelConfig } from '@tensorflow/tfjs-core';
import { useKernels } from './kernel-swap';
import { conv2DConfig } from './kernels/conv2d';
import { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './kernels/conv2d-backprop-input';
import { batchMatMulConfig } from './kernels/batch-mat-mul';
import { identityConfig } from './kernels/identity';
import { WASM_FUSED_KERNELS } from './wasm-fused/wasm-fused-kernels';

/** The kernels this package adds to (or replaces in) the wasm backend. */
export const WASM_KERNELS: readonly KernelConfig[] = [conv2DConfig, conv2DBackpropFilterConfig, conv2DBackpropInputConfig, batchMatMulConfig, identityConfig, ...WASM_FUSED_KERNELS];

/**
 * Registers the project's wasm kernels (idempotent): Conv2D, both conv gradients and BatchMatMul on the
 * threaded wasm GEMM engine (src/wasm-threads; they run on the calling thread alone until initBackend starts
 * the worker threads), Identity without a copy, and the fused EDM2 kernels (weight normalisation, mp_cat,
 * mp_sum, normalize, ... under the native engine's names, their loops in TypeScript: src/wasm-fused), which replace
 * the native engine's if it had registered them (the mp_silu family as vector-SIMD wasm on the worker threads). Returns the kernel names registered. Call before the first op on wasm
 * (initBackend('wasm') does it for you).
 */
export function registerWasmKernels(): string[] {
  return useKernels(WASM_KERNELS);
}
