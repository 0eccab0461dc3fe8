import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './kernels/conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './kernels/conv2d-backprop-input';
import { batchMatMulConfig } from './kernels/batch-mat-mul';

/** The kernels this package adds to (or replaces in) the wasm backend. */
export const WASM_KERNELS: readonly KernelConfig[] = [conv2DBackpropFilterConfig, conv2DBackpropInputConfig, batchMatMulConfig];

/**
 * Registers the project's wasm kernels (idempotent). Kernels the wasm backend already has are replaced where
 * ours are faster (Conv2DBackpropInput, BatchMatMul). Returns the kernel names registered. Call before the first op on wasm
 * (initBackend('wasm') does it for you).
 */
export function registerWasmKernels(): string[] {
  const names: string[] = [];
  for (const config of WASM_KERNELS) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing === config) {
      names.push(config.kernelName);
      continue;
    }
    if (existing) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
    names.push(config.kernelName);
  }
  return names;
}
