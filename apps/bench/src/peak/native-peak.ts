/** What a native engine may expose for the peak table (optional; `@flow/native` is not a dependency). */
export interface NativePeakHook {
  /** Peak float32 FMA GFLOP/s of the native code on `threads` threads, and the instruction set it used. */
  peakGflops(threads: number): Promise<{ gflops: number; isa: string }> | { gflops: number; isa: string };
}

/**
 * The native engine's peak, when `@flow/native` is installed and exports `peakGflops`; otherwise why not. The
 * name is held in a variable so bundlers leave the import to run time.
 */
export async function nativePeak(threads: number): Promise<{ gflops: number; isa: string } | string> {
  const name = '@flow/native';
  let mod: Partial<NativePeakHook>;
  try {
    mod = (await import(name)) as Partial<NativePeakHook>;
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
