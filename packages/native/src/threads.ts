import { requireBinding } from './availability';
import { NativeInputError } from './errors';

/** Sets the threads every native kernel uses (OpenBLAS and the elementwise loops). Default: env FLOW_THREADS, else every core. */
export function setNativeThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new NativeInputError(`threads: expected a positive integer, got ${n}`, 'threads');
  requireBinding().setThreads(n);
}

/** The thread count the native kernels use now. */
export function getNativeThreads(): number {
  return requireBinding().getThreads();
}

/** Sets the convolutions' patch-matrix budget per chunk, in floats (default 4 Mi); returns the previous one. For tests and tuning. */
export function setNativeChunkFloats(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new NativeInputError(`chunkFloats: expected a positive integer, got ${n}`, 'chunkFloats');
  return requireBinding().setChunkFloats(n);
}
