import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** What a native engine may expose for the peak table (optional; `@flow/native` is not a dependency). */
export interface NativePeakHook {
  /** Peak float32 FMA GFLOP/s of the native code on `threads` threads, and the instruction set it used. */
  peakGflops(threads: number): Promise<{ gflops: number; isa: string }> | { gflops: number; isa: string };
}

/**
 * `@flow/native` as this package sees it, else as `@flow/runtime` (whose optional dependency it is) sees it: with
 * pnpm's strict layout only the packages that depend on it can resolve it.
 */
async function importNative(name: string): Promise<Partial<NativePeakHook>> {
  try {
    return (await import(name)) as Partial<NativePeakHook>;
  } catch {
    const req = createRequire(import.meta.url);
    const viaRuntime = createRequire(req.resolve('@flow/runtime')).resolve(name);
    return (await import(pathToFileURL(viaRuntime).href)) as Partial<NativePeakHook>;
  }
}

/**
 * The native engine's peak, when `@flow/native` is installed and exports `peakGflops`; otherwise why not. The
 * name is held in a variable so bundlers leave the import to run time.
 */
export async function nativePeak(threads: number): Promise<{ gflops: number; isa: string } | string> {
  const name = '@flow/native';
  let mod: Partial<NativePeakHook>;
  try {
    mod = await importNative(name);
  } catch {
    return `${name} not installed`;
  }
  if (typeof mod.peakGflops !== 'function') return `${name} has no peakGflops export`;
  try {
    return await mod.peakGflops(threads);
  } catch (e) {
    return `${name} peakGflops failed: ${(e as Error).message}`;
  }
}
