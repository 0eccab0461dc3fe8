import type { KernelConfig } from '@tensorflow/tfjs-core';
import { restoreStockKernels, useKernels } from './kernel-swap';
import { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './kernels/conv2d-backprop-input';
import { batchMatMulConfig } from './kernels/batch-mat-mul';
import { identityConfig } from './kernels/identity';

/** The kernels this package adds to (or replaces in) the wasm backend. */
export const WASM_KERNELS: readonly KernelConfig[] = [conv2DBackpropFilterConfig, conv2DBackpropInputConfig, batchMatMulConfig, identityConfig];

/**
 * Registers the project's wasm kernels (idempotent). Kernels the wasm backend already has are replaced where
 * ours are faster (Conv2DBackpropInput, BatchMatMul, Identity without a copy); the stock Conv2D comes back, and
 * the fused mp_silu kernels go, if the native engine had registered them. Returns the kernel names registered. Call before the first op on wasm
 * (initBackend('wasm') does it for you).
 */
export function registerWasmKernels(): string[] {
  const names = useKernels(WASM_KERNELS);
  restoreStockKernels('wasm', ['Conv2D', 'FlowMpSilu', 'FlowMpSiluGrad', 'FlowClipByValueGrad', 'FlowRowNormalize', 'FlowRowNormalizeGrad', 'FlowWeightNorm', 'FlowWeightNormGrad',
    'FlowMpCat', 'FlowMpCatGrad', 'FlowMpSum', 'FlowMpSiluMod', 'FlowMpSiluModGrad', 'FlowDown2x', 'FlowUp2x']);
  return names;
}
