import { getKernel, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';

/** What tfjs passes a kernel function. */
export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/** The wasm backend's own kernels that ours stand in front of, by name (captured when ours are registered). */
const stock = new Map<string, KernelConfig>();
const ours = new Set<KernelConfig>();

/**
 * A wasm kernel that takes the cases `fast` handles (it returns undefined for the rest) and hands every other
 * case to the wasm backend's own kernel of that name, whose setup it runs too.
 */
export function overStock(kernelName: string, fast: (args: KernelArgs) => TensorInfo | undefined): KernelConfig {
  const config: KernelConfig = {
    kernelName,
    backendName: 'wasm',
    kernelFunc: ((args: KernelArgs) => {
      const out = fast(args);
      if (out) return out;
      const own = stock.get(kernelName);
      if (!own) throw new Error(`wasm ${kernelName}: the wasm backend's own kernel was not registered before ours (import @tensorflow/tfjs-backend-wasm first)`);
      return own.kernelFunc(args as never);
    }) as unknown as KernelFunc,
    setupFunc: (backend) => stock.get(kernelName)?.setupFunc?.(backend),
  };
  ours.add(config);
  return config;
}

/** Records the backend's own kernels behind `configs` (made by overStock); false where one is missing. */
export function captureStock(configs: readonly KernelConfig[]): boolean {
  let all = true;
  for (const c of configs) {
    const k = getKernel(c.kernelName, 'wasm');
    if (k && !ours.has(k)) stock.set(c.kernelName, k);
    all &&= stock.has(c.kernelName);
  }
  return all;
}
