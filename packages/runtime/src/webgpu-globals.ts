import { BackendUnavailableError } from './errors';

interface GpuLike {
  requestAdapter(options?: unknown): Promise<unknown>;
}

let gpu: GpuLike | undefined;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref?.();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * Makes `navigator.gpu` exist in Node from the `webgpu` npm package (Dawn bindings) and checks that an adapter
 * answers; tfjs-backend-webgpu registers itself only when `navigator.gpu` is present at import.
 */
export async function setupWebgpuGlobals(timeoutMs: number): Promise<string> {
  const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
  let installed = false;
  if (!g.navigator?.gpu) {
    installed = true;
    if (!gpu) {
      let mod: { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
      try {
        mod = (await import('webgpu')) as unknown as typeof mod;
      } catch (e) {
        const code = (e as { code?: string }).code;
        const why = code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' ? 'is not installed (npm install webgpu)' : `failed to load: ${(e as Error).message}`;
        throw new BackendUnavailableError('webgpu', `the optional package webgpu (Dawn bindings) ${why}`);
      }
      Object.assign(globalThis, mod.globals);
      gpu = mod.create([]);
    }
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true });
    (g.navigator as { gpu?: GpuLike }).gpu = gpu;
  }
  const gpuObj = g.navigator!.gpu!;
  // Leave no navigator.gpu behind that has no adapter: other code would take WebGPU for usable.
  const uninstall = (): void => {
    if (installed && g.navigator) delete (g.navigator as { gpu?: GpuLike }).gpu;
  };
  let adapter: unknown;
  try {
    adapter = await withTimeout(gpuObj.requestAdapter({ powerPreference: 'high-performance' }), timeoutMs);
  } catch (e) {
    uninstall();
    throw new BackendUnavailableError('webgpu', `requesting a WebGPU adapter failed: ${(e as Error).message}`);
  }
  if (adapter === 'timeout' || !adapter) uninstall();
  if (adapter === 'timeout')
    throw new BackendUnavailableError('webgpu', `no WebGPU adapter answered within ${timeoutMs} ms (no usable GPU / driver here)`);
  if (!adapter) throw new BackendUnavailableError('webgpu', 'no WebGPU adapter found (no usable GPU / Vulkan driver here)');
  return describeAdapter(adapter);
}

/** "NVIDIA H100 80GB HBM3 (nvidia; NVIDIA: 580.159.04 ...)" from GPUAdapter.info, where the bindings give it. */
function describeAdapter(adapter: unknown): string {
  const info = (adapter as { info?: { vendor?: string; device?: string; description?: string } }).info;
  if (!info) return 'WebGPU adapter';
  const detail = [info.vendor, info.description].filter((x) => x).join('; ');
  return `${info.device || 'WebGPU adapter'}${detail ? ` (${detail})` : ''}`;
}
