import { findBackend } from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from '../kernels/wasm-native';
import type { ElementwiseExports } from './elementwise-module';
import { wasmGemm } from '../wasm-threads/engine';
import { SPLIT_MIN_ELEMENTS, type GemmPool, type SplitArg } from '../wasm-threads/gemm-pool';

/** The registered tfjs wasm backend, if any. */
export const wasmBackend = (): WasmBackendLike | undefined => findBackend('wasm') as unknown as WasmBackendLike | undefined;

/** Elements per task at least, so taking a task stays cheap beside it. */
const SPLIT_CHUNK_ELEMENTS = 1 << 14;

/**
 * The engine's pool when it can share this call among its threads (on tfjs's shared heap, with workers), with
 * the units per task for `units` units of `unitElements` each: about four tasks a thread, none too small.
 */
export function splitter(elements: number, units: number, unitElements: number): { pool: GemmPool; chunk: number } | undefined {
  if (elements < SPLIT_MIN_ELEMENTS) return undefined;
  const pool = wasmGemm();
  if (!pool.splits || !pool.sharesHeapWith(wasmBackend())) return undefined;
  return { pool, chunk: Math.max(Math.ceil(SPLIT_CHUNK_ELEMENTS / unitElements), Math.ceil(units / (4 * pool.threads))) };
}

/** A split argument that advances one f32x4 vector per unit. */
export const vec = (at: number): SplitArg => ({ at, bytes: 16 });

/**
 * scale_rows on the heap (mp_cat and its gradient; by 1, an exact strided copy), split by rows among the
 * threads when large enough, else one call on the calling thread.
 */
export function scaleRows(ew: ElementwiseExports, src: number, dst: number, rows: number, n4: number, srcStride: number, dstStride: number, scale: number): void {
  const sp = splitter(rows * n4 * 4, rows, n4 * 4);
  if (sp) sp.pool.split('scale_rows', [{ at: src, bytes: srcStride }, { at: dst, bytes: dstStride }, 0, n4, srcStride, dstStride, { float: scale }], 2, rows, sp.chunk);
  else ew.scale_rows(src, dst, rows, n4, srcStride, dstStride, scale);
}
