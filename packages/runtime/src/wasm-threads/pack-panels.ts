import type { ElementwiseExports } from '../wasm-fused/elementwise-module';
import { GEMM_NR } from './gemm-module';

/**
 * Packs a matrix operand for the GEMM microkernel. Element (o, d), o the outer index (a row of A or a column
 * of B) and d the reduction index, is src[base + o*os + d*ds]; it goes to
 * dst[off + floor(o/P)*P*dp + d*P + o%P] (panels of P outer entries, dp-deep). Padding entries are zero.
 */
export function packPanels(src: Float32Array, base: number, outer: number, depth: number, os: number, ds: number, dst: Float32Array, off: number, P: number, dp: number, ew?: ElementwiseExports): void {
  const panels = Math.ceil(outer / P);
  dst.fill(0, off, off + panels * P * dp);
  // With the elementwise kernels on the same heap (src and dst views of it), rows of contiguous steps into
  // panels of 8 go through wasm: ~5x the TypeScript loop on attention-sized operands.
  if (ew && ds === 1 && P === GEMM_NR) {
    ew.pack_t(src.byteOffset + base * 4, dst.byteOffset + off * 4, outer, depth, os * 4, dp);
    return;
  }
  for (let o = 0; o < outer; o++) {
    const d0 = off + Math.floor(o / P) * P * dp + (o % P);
    const s0 = base + o * os;
    if (ds === 1) for (let d = 0; d < depth; d++) dst[d0 + d * P] = src[s0 + d];
    else for (let d = 0; d < depth; d++) dst[d0 + d * P] = src[s0 + d * ds];
  }
}

let chunkFloats = 48 * 1024 * 1024;

/** Sets the shared-memory budget of one chunk of the strided conv input gradient (floats); returns the previous one. Tests use it to exercise chunking. */
export function setConvChunkFloats(n: number): number {
  const prev = chunkFloats;
  chunkFloats = n;
  return prev;
}

/** Images per chunk so that a chunk's packed operands and result stay within the budget (at least one image). */
export function imagesPerChunk(n: number, floatsPerImage: number): number {
  return Math.max(1, Math.min(n, Math.floor(chunkFloats / Math.max(1, floatsPerImage))));
}

/**
 * Copies the first `rows` x `cols` of C (row stride ldc) from the shared memory to dst at dstOff; with the
 * elementwise kernels on the same heap, narrow rows in one wasm call instead of a subarray per row.
 */
export function unpackRows(mem: Float32Array, c: number, ldc: number, rows: number, cols: number, dst: Float32Array, dstOff: number, ew?: ElementwiseExports): void {
  if (ldc === cols) {
    dst.set(mem.subarray(c, c + rows * cols), dstOff);
    return;
  }
  if (ew) {
    ew.copy_rows(mem.byteOffset + c * 4, dst.byteOffset + dstOff * 4, rows, cols >> 2, cols & 3, ldc * 4, cols * 4);
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(mem.subarray(c + r * ldc, c + r * ldc + cols), dstOff + r * cols);
}
