import type { FusedEngine } from '../native-kernels/fused-engine';
import type { WasmBackendLike } from '../kernels/wasm-native';
import { clipByValueGrad } from './clip-by-value-grad';
import { down2x } from './down2x';
import { heapElementwise, type ElementwiseExports } from './elementwise-module';
import { mpCat } from './mp-cat';
import { mpCatGrad } from './mp-cat-grad';
import { mpSum } from './mp-sum';
import { up2x } from './up2x';
import { mpSilu } from './mp-silu';
import { mpSiluGrad } from './mp-silu-grad';
import { mpSiluMod } from './mp-silu-mod';
import { mpSiluModGrad } from './mp-silu-mod-grad';
import { rowNormalize } from './row-normalize';
import { rowNormalizeGrad } from './row-normalize-grad';
import { colNormalize } from './weight-norm';
import { colNormalizeGrad } from './weight-norm-grad';
import { scaleRows, splitter, vec, wasmBackend } from './split-call';

/**
 * The fused EDM2 loops as vector-SIMD wasm (wasm/generate-elementwise-wat.mjs) in place on the tfjs wasm heap,
 * split among the engine's threads when large: the mp_silu family (a vector exp makes these 1.5-2.5x faster than tfjs's SIMD Sigmoid
 * plus Multiplys; the TypeScript loops, on V8's Math.exp, were slower than those), mp_sum, the clip gradient,
 * mp_cat, normalize and weight normalisation with their gradients, 2x resampling. Sub-vector tails, rows that are not whole
 * vectors, and a backend without an exposed heap run the TypeScript loops.
 */
export const simdFusedEngine: Pick<FusedEngine, 'mpSilu' | 'mpSiluGrad' | 'mpSiluMod' | 'mpSiluModGrad' | 'mpSum' | 'clipByValueGrad' | 'mpCat' | 'mpCatGrad' | 'rowNormalize' | 'rowNormalizeGrad' | 'colNormalize' | 'colNormalizeGrad' | 'down2x' | 'up2x'> = {
  mpSilu(x, y) {
    const ew = heapElementwise(wasmBackend());
    const n4 = ew ? x.length >> 2 : 0;
    const sp = splitter(x.length, n4, 4);
    if (sp) sp.pool.split('mp_silu', [vec(x.byteOffset), vec(y.byteOffset), 0], 2, n4, sp.chunk);
    else if (n4 > 0) ew?.mp_silu(x.byteOffset, y.byteOffset, n4);
    mpSilu(x.subarray(n4 * 4), y.subarray(n4 * 4));
  },
  mpSiluGrad(x, dy, dx) {
    const ew = heapElementwise(wasmBackend());
    const n4 = ew ? x.length >> 2 : 0;
    const sp = splitter(x.length, n4, 4);
    if (sp) sp.pool.split('mp_silu_grad', [vec(x.byteOffset), vec(dy.byteOffset), vec(dx.byteOffset), 0], 3, n4, sp.chunk);
    else if (n4 > 0) ew?.mp_silu_grad(x.byteOffset, dy.byteOffset, dx.byteOffset, n4);
    mpSiluGrad(x.subarray(n4 * 4), dy.subarray(n4 * 4), dx.subarray(n4 * 4));
  },
  mpSiluMod(x, s, hw, c, y) {
    const ew = heapElementwise(wasmBackend());
    if (!ew || c % 4 !== 0) return mpSiluMod(x, s, hw, c, y);
    // Split by pixels, one image at most per task (its scales advance per image).
    const sp = splitter(x.length, x.length / c, c);
    if (sp) {
      let parts = Math.ceil(hw / Math.min(hw, sp.chunk));
      while (hw % parts !== 0) parts++;
      return sp.pool.split('mp_silu_mod', [{ at: x.byteOffset, bytes: c * 4 }, { at: s.byteOffset, bytes: c * 4, per: hw }, { at: y.byteOffset, bytes: c * 4 }, 0, c / 4], 3, x.length / c, hw / parts);
    }
    for (let i = 0; i < s.length / c; i++) ew.mp_silu_mod(x.byteOffset + i * hw * c * 4, s.byteOffset + i * c * 4, y.byteOffset + i * hw * c * 4, hw, c / 4);
  },
  mpSiluModGrad(x, s, dy, hw, c, dx, ds) {
    const backend = wasmBackend();
    const ew = heapElementwise(backend);
    if (!backend || !ew || c % 4 !== 0) return mpSiluModGrad(x, s, dy, hw, c, dx, ds);
    // Offsets first: allocating the scratch can grow the heap, which detaches the views.
    const [xo, so, dyo, dxo, dso] = [x.byteOffset, s.byteOffset, dy.byteOffset, dx.byteOffset, ds.byteOffset];
    const images = s.length / c;
    const sp = splitter(x.length, images, hw * c);
    if (sp) {
      // One image a task, each summing its scales' gradient into its own float64 scratch in the kernel's order.
      // The sums are updated every pixel: each task's own cache lines, or the threads take turns holding them.
      const img = hw * c * 4;
      const stride = Math.ceil((c * 8) / CACHE_LINE) * CACHE_LINE;
      return withScratch(backend, (images * stride + CACHE_LINE) / 4, (mem) => {
        const at = Math.ceil(mem.byteOffset / CACHE_LINE) * CACHE_LINE;
        sp.pool.split('mp_silu_mod_grad', [{ at: xo, bytes: img }, { at: so, bytes: c * 4 }, { at: dyo, bytes: img }, { at: dxo, bytes: img }, { at, bytes: stride }, hw, c / 4], -1, images, 1);
        const ds = new Float32Array(mem.buffer, dso, c * images);
        for (let i = 0; i < images; i++) ds.set(new Float64Array(mem.buffer, at + i * stride, c), i * c);
      });
    }
    withScratch(backend, 2 * c, (mem) => {
      const sums = new Float64Array(mem.buffer, mem.byteOffset, c);
      for (let i = 0; i < s.length / c; i++) {
        ew.mp_silu_mod_grad(xo + i * hw * c * 4, so + i * c * 4, dyo + i * hw * c * 4, dxo + i * hw * c * 4, mem.byteOffset, hw, c / 4);
        new Float32Array(mem.buffer, dso + i * c * 4, c).set(sums);
      }
    });
  },
  mpSum(a, b, ca, cb, y) {
    const ew = heapElementwise(wasmBackend());
    const n4 = ew && a.length === b.length ? a.length >> 2 : 0;
    const sp = n4 > 0 ? splitter(a.length, n4, 4) : undefined;
    if (sp) sp.pool.split('mp_sum', [vec(a.byteOffset), vec(b.byteOffset), vec(y.byteOffset), 0, { float: ca }, { float: cb }], 3, n4, sp.chunk);
    else if (n4 > 0) ew?.mp_sum(a.byteOffset, b.byteOffset, y.byteOffset, n4, ca, cb);
    if (n4 * 4 < a.length) {
      const t = n4 * 4;
      mpSum(a.subarray(t), b.subarray(t), ca, cb, y.subarray(t));
    }
  },
  clipByValueGrad(x, dy, lo, hi, dx) {
    const ew = heapElementwise(wasmBackend());
    const n4 = ew ? x.length >> 2 : 0;
    const sp = splitter(x.length, n4, 4);
    if (sp) sp.pool.split('clip_grad', [vec(x.byteOffset), vec(dy.byteOffset), vec(dx.byteOffset), 0, { float: lo }, { float: hi }], 3, n4, sp.chunk);
    else if (n4 > 0) ew?.clip_grad(x.byteOffset, dy.byteOffset, dx.byteOffset, n4, lo, hi);
    clipByValueGrad(x.subarray(n4 * 4), dy.subarray(n4 * 4), lo, hi, dx.subarray(n4 * 4));
  },
  mpCat(a, b, na, nb, ca, cb, y) {
    const ew = heapElementwise(wasmBackend());
    const rows = a.length / na;
    if (!ew || !(na > 0 && nb > 0) || na % 4 !== 0 || nb % 4 !== 0 || rows === 0) return mpCat(a, b, na, nb, ca, cb, y);
    const row = (na + nb) * 4;
    scaleRows(ew, a.byteOffset, y.byteOffset, rows, na / 4, na * 4, row, ca);
    scaleRows(ew, b.byteOffset, y.byteOffset + na * 4, rows, nb / 4, nb * 4, row, cb);
  },
  mpCatGrad(dy, na, nb, ca, cb, da, db) {
    const ew = heapElementwise(wasmBackend());
    const rows = da.length / na;
    if (!ew || !(na > 0 && nb > 0) || na % 4 !== 0 || nb % 4 !== 0 || rows === 0) return mpCatGrad(dy, na, nb, ca, cb, da, db);
    const row = (na + nb) * 4;
    scaleRows(ew, dy.byteOffset, da.byteOffset, rows, na / 4, row, na * 4, ca);
    scaleRows(ew, dy.byteOffset + na * 4, db.byteOffset, rows, nb / 4, row, nb * 4, cb);
  },
  colNormalize(w, fanIn, eps, s, y) {
    const cols = w.length / fanIn;
    const [wo, yo] = [w.byteOffset, y.byteOffset];
    if (!columnsOnHeap(w, fanIn, (ew, acc, a, b) => {
      ew.col_sums(wo, 0, acc.byteOffset, fanIn, cols / 4, 0);
      const invSqrtN = 1 / Math.sqrt(fanIn);
      for (let j = 0; j < cols; j++) [a[j], b[j]] = [s / (eps + Math.sqrt(acc[j]) * invSqrtN), 0];
      ew.col_scale(wo, wo, a.byteOffset, b.byteOffset, yo, fanIn, cols / 4);
    })) colNormalize(w, fanIn, eps, s, y);
  },
  colNormalizeGrad(w, dy, fanIn, eps, s, dw) {
    const cols = w.length / fanIn;
    const [wo, dyo, dwo] = [w.byteOffset, dy.byteOffset, dw.byteOffset];
    if (!columnsOnHeap(w, fanIn, (ew, acc, a, b) => {
      ew.col_sums(wo, dyo, acc.byteOffset, fanIn, cols / 4, 1);
      const invSqrtN = 1 / Math.sqrt(fanIn);
      for (let j = 0; j < cols; j++) {
        const norm = Math.sqrt(acc[j]);
        const invD = 1 / (eps + norm * invSqrtN);
        a[j] = s * invD;
        b[j] = norm > 0 ? (s * acc[cols + j] * invD * invD * invSqrtN) / norm : 0;
      }
      ew.col_scale(dyo, wo, a.byteOffset, b.byteOffset, dwo, fanIn, cols / 4);
    })) colNormalizeGrad(w, dy, fanIn, eps, s, dw);
  },
  down2x(x, h, w, c, scale, y) {
    const ew = heapElementwise(wasmBackend());
    if (!ew || c % 4 !== 0) return down2x(x, h, w, c, scale, y);
    const [ow, rowBytes] = [w / 2, w * c * 4];
    const rows = y.length / (ow * c); // output rows, every image's
    const sp = splitter(x.length, rows, 2 * w * c);
    if (sp) sp.pool.split('down2x', [{ at: x.byteOffset, bytes: 2 * rowBytes }, { at: y.byteOffset, bytes: ow * c * 4 }, 0, ow, c / 4, rowBytes, { float: scale }], 2, rows, sp.chunk);
    else ew.down2x(x.byteOffset, y.byteOffset, rows, ow, c / 4, rowBytes, scale);
  },
  up2x(x, h, w, c, scale, y) {
    const ew = heapElementwise(wasmBackend());
    if (!ew || c % 4 !== 0) return up2x(x, h, w, c, scale, y);
    const rows = x.length / (w * c); // source rows, every image's
    const sp = splitter(y.length, rows, 4 * w * c);
    if (sp) sp.pool.split('up2x', [{ at: x.byteOffset, bytes: w * c * 4 }, { at: y.byteOffset, bytes: 4 * w * c * 4 }, 0, w, c / 4, { float: scale }], 2, rows, sp.chunk);
    else ew.up2x(x.byteOffset, y.byteOffset, rows, w, c / 4, scale);
  },
  rowNormalize(x, c, eps, y) {
    const ew = heapElementwise(wasmBackend());
    if (!ew || c % 4 !== 0 || x.length === 0) return rowNormalize(x, c, eps, y);
    const rows = x.length / c;
    const sp = splitter(x.length, rows, c);
    if (sp) sp.pool.split('row_normalize', [{ at: x.byteOffset, bytes: c * 4 }, { at: y.byteOffset, bytes: c * 4 }, 0, c / 4, { float: eps }, { float: 1 / Math.sqrt(c) }], 2, rows, sp.chunk);
    else ew.row_normalize(x.byteOffset, y.byteOffset, rows, c / 4, eps, 1 / Math.sqrt(c));
  },
  rowNormalizeGrad(x, dy, c, eps, dx) {
    const ew = heapElementwise(wasmBackend());
    if (!ew || c % 4 !== 0 || x.length === 0) return rowNormalizeGrad(x, dy, c, eps, dx);
    const rows = x.length / c;
    const row = { bytes: c * 4 };
    const sp = splitter(x.length, rows, c);
    if (sp) sp.pool.split('row_normalize_grad', [{ at: x.byteOffset, ...row }, { at: dy.byteOffset, ...row }, { at: dx.byteOffset, ...row }, 0, c / 4, { float: eps }, { float: 1 / Math.sqrt(c) }], 3, rows, sp.chunk);
    else ew.row_normalize_grad(x.byteOffset, dy.byteOffset, dx.byteOffset, rows, c / 4, eps, 1 / Math.sqrt(c));
  },
};

/** Bytes in a cache line (x86, most Arm cores). */
const CACHE_LINE = 64;

/**
 * Runs `body` with the heap kernels and per-column scratch on the heap (float64 sums for 2 x cols, float32 a and b
 * for cols each) when w [fanIn, cols] has whole vectors of columns; false (nothing run) otherwise. Allocating the
 * scratch can grow the heap, which detaches the caller's views: callers take byte offsets before.
 */
function columnsOnHeap(w: Float32Array, fanIn: number, body: (ew: ElementwiseExports, acc: Float64Array, a: Float32Array, b: Float32Array) => void): boolean {
  const backend = wasmBackend();
  const ew = heapElementwise(backend);
  const cols = w.length / fanIn;
  if (!backend || !ew || cols % 4 !== 0 || cols === 0) return false;
  withScratch(backend, 6 * cols, (mem) => body(ew, new Float64Array(mem.buffer, mem.byteOffset, 2 * cols), mem.subarray(4 * cols, 5 * cols), mem.subarray(5 * cols, 6 * cols)));
  return true;
}

/** Runs `body` with `floats` float32 of scratch on the wasm heap (a temporary tensor, freed after). */
function withScratch(backend: WasmBackendLike, floats: number, body: (mem: Float32Array) => void): void {
  const scratch = backend.makeOutput([floats], 'float32');
  try {
    body(backend.typedArrayFromHeap(scratch) as Float32Array);
  } finally {
    backend.disposeData(scratch.dataId);
  }
}
