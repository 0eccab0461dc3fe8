import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';

/** Registers `configs`, replacing whatever is registered under the same name (idempotent). Returns the names. */
export function useKernels(configs: readonly KernelConfig[]): string[] {
  for (const config of configs) {
    const existing = getKernel(config.kernelName, config.backendName);
    if (existing === config) continue;
    if (existing) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
  return configs.map((c) => c.kernelName);
}
