import type { Conv2DGeometry } from '@flow/native';

/**
 * Packs a matrix operand for the GEMM microkernel. Element (o, d), o the outer index (a row of A or a column
 * of B) and d the reduction index, is src[base + o*os + d*ds]; it goes to
 * dst[off + floor(o/P)*P*dp + d*P + o%P] (panels of P outer entries, dp-deep). Padding entries are zero.
 */
export function packPanels(src: Float32Array, base: number, outer: number, depth: number, os: number, ds: number, dst: Float32Array, off: number, P: number, dp: number): void {
  const panels = Math.ceil(outer / P);
  dst.fill(0, off, off + panels * P * dp);
  for (let o = 0; o < outer; o++) {
    const d0 = off + Math.floor(o / P) * P * dp + (o % P);
    const s0 = base + o * os;
    if (ds === 1) for (let d = 0; d < depth; d++) dst[d0 + d * P] = src[s0 + d];
    else for (let d = 0; d < depth; d++) dst[d0 + d * P] = src[s0 + d * ds];
  }
}

/**
 * Packs the im2col patch matrix of images n0 .. n0+nc of x (NHWC) without materialising it: patch row
 * m = (image, oy, ox) of the chunk, column k = (kh, kw, ci) holds x at that tap (zero outside the image).
 * `rowsOuter`: the patch rows are the outer index (A of the forward conv, reduction over k); otherwise the
 * columns are (A of the filter gradient, reduction over m). Panels of P, dp deep, as in packPanels.
 */
export function packPatches(x: Float32Array, g: Conv2DGeometry, n0: number, nc: number, dst: Float32Array, off: number, P: number, dp: number, rowsOuter: boolean): void {
  const { inHeight: H, inWidth: W, inChannels: C, filterHeight: KH, filterWidth: KW, outHeight: OH, outWidth: OW } = g;
  const K = KH * KW * C;
  const M = nc * OH * OW;
  dst.fill(0, off, off + Math.ceil((rowsOuter ? M : K) / P) * P * dp);
  for (let ni = 0; ni < nc; ni++) {
    const img = (n0 + ni) * H * W * C;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const m = (ni * OH + oy) * OW + ox;
        const mPanel = off + Math.floor(m / P) * P * dp + (m % P);
        for (let kh = 0; kh < KH; kh++) {
          const iy = oy * g.strideHeight + kh * g.dilationHeight - g.padTop;
          if (iy < 0 || iy >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const ix = ox * g.strideWidth + kw * g.dilationWidth - g.padLeft;
            if (ix < 0 || ix >= W) continue;
            const s = img + (iy * W + ix) * C;
            const k0 = (kh * KW + kw) * C;
            if (rowsOuter) {
              const d = mPanel + k0 * P;
              for (let ci = 0; ci < C; ci++) dst[d + ci * P] = x[s + ci];
            } else {
              for (let ci = 0; ci < C; ci++) {
                const k = k0 + ci;
                dst[off + Math.floor(k / P) * P * dp + m * P + (k % P)] = x[s + ci];
              }
            }
          }
        }
      }
    }
  }
}

let chunkFloats = 48 * 1024 * 1024;

/** Sets the shared-memory budget of one conv chunk (floats); returns the previous one. Tests use it to exercise chunking. */
export function setConvChunkFloats(n: number): number {
  const prev = chunkFloats;
  chunkFloats = n;
  return prev;
}

/** Images per chunk so that a chunk's packed operands and result stay within the budget (at least one image). */
export function imagesPerChunk(n: number, floatsPerImage: number): number {
  return Math.max(1, Math.min(n, Math.floor(chunkFloats / Math.max(1, floatsPerImage))));
}

/** Copies the first `rows` x `cols` of C (row stride ldc) from the shared memory to dst at dstOff. */
export function unpackRows(mem: Float32Array, c: number, ldc: number, rows: number, cols: number, dst: Float32Array, dstOff: number): void {
  if (ldc === cols) {
    dst.set(mem.subarray(c, c + rows * cols), dstOff);
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(mem.subarray(c + r * ldc, c + r * ldc + cols), dstOff + r * cols);
}
