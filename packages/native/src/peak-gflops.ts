import { requireBinding } from './availability';
import { NativeInputError } from './errors';

/**
 * Peak float32 FMA GFLOP/s of this machine's native code on `threads` threads (each runs 12 independent FMA
 * chains on registers, ~`seconds` long), with the instruction set it used: `avx512 fma`, `avx2 fma` or
 * `sse (mul+add)`, picked at run time. The ceiling the native kernels are measured against (`flow-bench peak`).
 */
export function peakGflops(threads: number, seconds = 0.5): { gflops: number; isa: string } {
  if (!Number.isInteger(threads) || threads < 1) throw new NativeInputError(`threads: expected a positive integer, got ${threads}`, 'threads');
  if (!(seconds > 0 && seconds <= 60)) throw new NativeInputError(`seconds: expected a number in (0, 60], got ${seconds}`, 'seconds');
  return requireBinding().peakGflops(threads, seconds);
}
