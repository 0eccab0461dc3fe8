import type { KernelConfig } from '@tensorflow/tfjs-core';
import { restoreStockKernels, useKernels } from './kernel-swap';
import { conv2DConfig } from './kernels/conv2d';
import { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './kernels/conv2d-backprop-input';
import { batchMatMulConfig } from './kernels/batch-mat-mul';
import { identityConfig } from './kernels/identity';

/** The kernels this package adds to (or replaces in) the wasm backend. */
export const WASM_KERNELS: readonly KernelConfig[] = [conv2DConfig, conv2DBackpropFilterConfig, conv2DBackpropInputConfig, batchMatMulConfig, identityConfig];

/**
 * Registers the project's wasm kernels (idempotent): Conv2D, both conv gradients and BatchMatMul on the
 * threaded wasm GEMM engine (src/wasm-threads; they run on the calling thread alone until initBackend starts
 * the worker threads), and Identity without a copy. The fused EDM2 kernels go if the native engine had
 * registered them. Returns the kernel names registered. Call before the first op on wasm (initBackend('wasm')
 * does it for you).
 */
export function registerWasmKernels(): string[] {
  const names = useKernels(WASM_KERNELS);
  restoreStockKernels('wasm', ['FlowMpSilu', 'FlowMpSiluGrad', 'FlowClipByValueGrad', 'FlowRowNormalize', 'FlowRowNormalizeGrad', 'FlowWeightNorm', 'FlowWeightNormGrad',
    'FlowMpCat', 'FlowMpCatGrad', 'FlowMpSum', 'FlowMpSiluMod', 'FlowMpSiluModGrad', 'FlowDown2x', 'FlowUp2x']);
  return names;
}
