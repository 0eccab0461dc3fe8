import { describeAdapter } from './describe-adapter';
import { WebgpuUnavailableError } from './errors';
import type { AdapterLike } from './gpu-types';
import { installNavigatorGpu, uninstallNavigatorGpu } from './install-navigator-gpu';
import { isSoftwareAdapter } from './is-software-adapter';

export interface RequestAdapterOptions {
  /** How long to wait for an adapter (ms). Default 3000. */
  timeoutMs?: number;
  /** Refuse a software/fallback adapter (for automatic backend choice, where wasm is faster). Default false. */
  rejectSoftware?: boolean;
}

export interface FoundAdapter {
  adapter: AdapterLike;
  /** Adapter name and driver, for logs and reports. */
  description: string;
  /** A CPU rasteriser (llvmpipe, SwiftShader, ...): figures measured on it are not GPU figures. */
  software: boolean;
}

/**
 * Installs `navigator.gpu` where needed and asks it for a high-performance adapter. Throws
 * WebgpuUnavailableError saying why when none can be used; leaves no `navigator.gpu` behind in that case.
 */
export async function requestAdapter(options: RequestAdapterOptions = {}): Promise<FoundAdapter> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const gpu = await installNavigatorGpu();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref?.();
  });
  let adapter: AdapterLike | null | 'timeout';
  try {
    adapter = await Promise.race([gpu.requestAdapter({ powerPreference: 'high-performance' }), timeout]);
  } catch (e) {
    uninstallNavigatorGpu();
    throw new WebgpuUnavailableError(`WebGPU: requesting an adapter failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  if (adapter === 'timeout') {
    uninstallNavigatorGpu();
    throw new WebgpuUnavailableError(`WebGPU: no adapter answered within ${timeoutMs} ms (no usable GPU or Vulkan driver here)`);
  }
  if (!adapter) {
    uninstallNavigatorGpu();
    throw new WebgpuUnavailableError('WebGPU: no adapter found (no usable GPU or Vulkan driver here)');
  }
  const description = describeAdapter(adapter);
  const software = isSoftwareAdapter(adapter);
  if (software && options.rejectSoftware) {
    uninstallNavigatorGpu();
    throw new WebgpuUnavailableError(`WebGPU: the only adapter is a software one, ${description}, slower than wasm on these cores`);
  }
  return { adapter, description, software };
}
