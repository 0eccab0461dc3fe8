import { findBackend, getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';

// The wasm backend's own kernels we replaced, so switching from `native` back to `wasm` can put them back.
const stock = new Map<string, KernelConfig>();
const ours = new Set<KernelConfig>();

function key(c: { kernelName: string; backendName: string }): string {
  return `${c.backendName}/${c.kernelName}`;
}

/** Registers `configs`, replacing whatever is registered under the same name (idempotent). Returns the names. */
export function useKernels(configs: readonly KernelConfig[]): string[] {
  for (const config of configs) {
    ours.add(config);
    const existing = getKernel(config.kernelName, config.backendName);
    if (existing === config) continue;
    if (existing) {
      if (!ours.has(existing) && !stock.has(key(config))) stock.set(key(config), existing);
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
  }
  return configs.map((c) => c.kernelName);
}

/** Puts the backend's own kernel back for each name we replaced earlier, and removes ours where it had none. */
export function restoreStockKernels(backendName: string, kernelNames: readonly string[]): void {
  for (const kernelName of kernelNames) {
    const original = stock.get(key({ kernelName, backendName }));
    const existing = getKernel(kernelName, backendName);
    if (!original) {
      if (existing && ours.has(existing)) unregisterKernel(kernelName, backendName);
      continue;
    }
    if (existing === original) continue;
    if (existing) unregisterKernel(kernelName, backendName);
    registerKernel(original);
    // Its setup (cwrap of the wasm function) runs at backend init, which may have happened while it was out.
    const backend = findBackend(backendName);
    if (backend && original.setupFunc) original.setupFunc(backend);
  }
}
