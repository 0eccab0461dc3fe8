import { load } from './binding';

export interface NativeInfo {
  available: boolean;
  /** Why not (empty when available). */
  reason: string;
  /** Threads the kernels use (0 when unavailable). */
  threads: number;
  /** The OpenBLAS kernel set in use, e.g. `SkylakeX` (empty when unavailable). */
  blasCore: string;
}

/** What the native engine is on this machine, for logs. */
export function nativeInfo(): NativeInfo {
  const { binding, reason } = load();
  if (!binding) return { available: false, reason, threads: 0, blasCore: '' };
  return { available: true, reason: '', threads: binding.getThreads(), blasCore: binding.blasCore() };
}
