import { WebgpuUnavailableError } from './errors';
import type { GpuLike } from './gpu-types';

let dawn: GpuLike | undefined;

interface DawnModule {
  create: (flags: string[]) => GpuLike;
  globals: Record<string, unknown>;
}

/**
 * The `webgpu` package is an ES module around one native addon. Where `import()` has been compiled to
 * `require` (CommonJS test runners such as jest) it cannot be loaded that way, so the addon is loaded
 * directly, as the package's own index does.
 */
async function loadDawn(): Promise<DawnModule> {
  try {
    return (await import('webgpu')) as unknown as DawnModule;
  } catch (e) {
    const esmFromRequire = (e as { code?: string }).code === 'ERR_REQUIRE_ESM' || /Must use import to load ES Module/.test((e as Error).message);
    if (!esmFromRequire || typeof require !== 'function') throw e;
    const { dirname, join } = await import('node:path');
    const dir = dirname(require.resolve('webgpu/package.json'));
    return require(join(dir, 'dist', `${process.platform}-${process.arch}.dawn.node`)) as DawnModule;
  }
}

/**
 * Returns `navigator.gpu`, creating it in Node from the `webgpu` package (Dawn) when absent: libraries that look
 * for WebGPU there (tfjs-backend-webgpu, gpu.js) then find it. Dawn's instance is made once per process.
 */
export async function installNavigatorGpu(): Promise<GpuLike> {
  const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
  if (g.navigator?.gpu) return g.navigator.gpu;
  if (!dawn) {
    let mod: DawnModule;
    try {
      mod = await loadDawn();
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why =
        code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND'
          ? 'is not installed (add the package webgpu)'
          : `failed to load: ${(e as Error).message.split('\n')[0]}`;
      throw new WebgpuUnavailableError(`WebGPU: the optional package webgpu (Dawn bindings) ${why}`);
    }
    Object.assign(globalThis, mod.globals);
    fixUncapturedErrorHandler(mod.globals.GPUDevice);
    dawn = mod.create([]);
  }
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true });
  g.navigator!.gpu = dawn;
  return dawn;
}

/** Removes a `navigator.gpu` this package installed (so nothing else takes WebGPU for usable). */
export function uninstallNavigatorGpu(): void {
  const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
  if (dawn && g.navigator?.gpu === dawn) delete g.navigator.gpu;
}

/**
 * Dawn's Node bindings (webgpu 0.2.x) reject every value assigned to `device.onuncapturederror` (and every
 * listener given to addEventListener), and gpu.js assigns one when it opens a device, which then kills the
 * process. The property is redefined to keep the handler without registering it: Dawn still prints uncaptured
 * errors to stderr itself.
 */
function fixUncapturedErrorHandler(deviceClass: unknown): void {
  const proto = (deviceClass as { prototype?: object } | undefined)?.prototype;
  if (!proto) return;
  type Handler = ((event: unknown) => void) | null;
  const handlers = new WeakMap<object, Handler>();
  Object.defineProperty(proto, 'onuncapturederror', {
    configurable: true,
    enumerable: true,
    get(this: object): Handler {
      return handlers.get(this) ?? null;
    },
    set(this: object, fn: Handler) {
      handlers.set(this, typeof fn === 'function' ? fn : null);
    },
  });
}
