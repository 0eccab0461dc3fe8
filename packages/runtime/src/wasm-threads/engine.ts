import { GemmPool } from './gemm-pool';

let pool: GemmPool | undefined;

/** The engine's GEMM pool: the one initBackend started, else a calling-thread-only one (kernels run without workers). */
export function wasmGemm(): GemmPool {
  pool ??= new GemmPool(1);
  return pool;
}

/** Starts (or restarts with another size) the pool of `threads` threads (the calling one included) and waits until its workers are up. */
export async function startWasmThreads(threads: number): Promise<GemmPool> {
  if (pool?.threads !== threads) {
    const old = pool;
    pool = new GemmPool(threads);
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
