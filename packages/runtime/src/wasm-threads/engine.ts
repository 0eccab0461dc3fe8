import { GemmPool } from './gemm-pool';
import type { WasmHeap } from './shared-heap';
import { sharedElementwiseModule } from '../wasm-fused/elementwise-module';

let pool: GemmPool | undefined;

/** The engine's GEMM pool: the one initBackend started, else a calling-thread-only one (kernels run without workers). */
export function wasmGemm(): GemmPool {
  pool ??= new GemmPool(1);
  return pool;
}

/**
 * Starts (or restarts with another size or heap) the pool of `threads` threads (the calling one included), on
 * tfjs's shared heap when `heap` is given, and waits until its workers are up.
 */
export async function startWasmThreads(threads: number, heap?: WasmHeap): Promise<GemmPool> {
  if (pool?.threads !== threads || pool.heap?.memory !== heap?.memory) {
    const old = pool;
    pool = new GemmPool(threads, heap, heap ? sharedElementwiseModule() : undefined);
    if (old) await old.close();
  }
  await pool.whenReady();
  return pool;
}

/** Stops the worker threads (later kernels run on the calling thread until startWasmThreads). */
export async function stopWasmThreads(): Promise<void> {
  const old = pool;
  pool = undefined;
  if (old) await old.close();
}
