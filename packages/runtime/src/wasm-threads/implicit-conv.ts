import type { Conv2DGeometry } from '@flow/native';
import { GEMM_MR, GEMM_NR } from './gemm-module';
import { SPLIT_MIN_ELEMENTS, type GemmPool } from './gemm-pool';
import { heapElementwise, type ElementwiseExports } from '../wasm-fused/elementwise-module';
import { scaleRows, wasmBackend } from '../wasm-fused/split-call';
import { FILTER_GRAD_GROUP, JOB, SLAB_PAD, TASK_PANELS } from './tile-loop-source';

/** One convolution in the engine's terms: an NHWC image, KH x KW taps, the output grid, NHWC throughout. */
export interface ConvShape {
  N: number;
  H: number;
  W: number;
  C: number;
  KH: number;
  KW: number;
  CO: number;
  OH: number;
  OW: number;
  SH: number;
  SW: number;
  DH: number;
  DW: number;
  padTop: number;
  padLeft: number;
}

/**
 * EDM2's mp_silu applied to a conv's input as it is copied into the padded image (FlowMpSiluConv2D): with
 * `scales`, the byte offset of per-image channel scales [N, C] on the heap, the modulated mp_silu(x s).
 */
export interface Activation {
  scales?: number;
  /**
   * Byte offset on the heap of a tensor shaped `winogradPaddedShape`: the Winograd conv writes its activated,
   * zero-padded copy of x there instead of into scratch, and the Winograd filter gradient reads it from there
   * instead of making it again (the backward pass then skips the activation and the copy).
   */
  padded?: number;
}

const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;

/**
 * Copies the image into the shared memory at `off` with `padTop`/`padLeft` zeros before and zeros after. On
 * tfjs's shared heap the rows, their side padding included, are written by the SIMD pad_rows kernel (an image
 * a task on every thread from 64K floats): the side padding as JS fills, two per row, cost about as much as
 * the copy. The rows above and below are one fill each per image.
 */
function padImage(src: Float32Array, s: ConvShape, Hp: number, Wp: number, dst: Float32Array, off: number, pool?: GemmPool, act?: Activation): void {
  const { N, H, W, C } = s;
  const rowLen = Wp * C;
  for (let n = 0; n < N; n++) {
    const img = off + n * Hp * rowLen;
    dst.fill(0, img, img + s.padTop * rowLen);
    dst.fill(0, img + (s.padTop + H) * rowLen, img + Hp * rowLen);
  }
  const ew = pool && C % 4 === 0 ? heapElementwise(wasmBackend()) : undefined;
  if (act && !(ew && pool)) throw new Error('wasm conv: an activated input needs the elementwise kernels on tfjs\'s heap and channels in whole vectors');
  if (ew && pool) {
    const [n4, l4, r4] = [(W * C) / 4, (s.padLeft * C) / 4, ((Wp - W - s.padLeft) * C) / 4];
    const srcImage = H * W * C * 4;
    const dstImage = Hp * rowLen * 4;
    const first = (off + s.padTop * rowLen) * 4;
    if (act) {
      // An image a task; the activation's exp makes even small images worth sharing.
      const scales = act.scales;
      if (pool.splits && N * H * W * C >= SPLIT_MIN_ELEMENTS / 4) {
        pool.split('pad_rows_act', [{ at: src.byteOffset, bytes: srcImage }, { at: first, bytes: dstImage }, H, W, C / 4, l4, r4, W * C * 4, rowLen * 4, scales === undefined ? 0 : { at: scales, bytes: C * 4 }], -1, N, 1);
      } else for (let n = 0; n < N; n++) ew.pad_rows_act(src.byteOffset + n * srcImage, first + n * dstImage, H, W, C / 4, l4, r4, W * C * 4, rowLen * 4, scales === undefined ? 0 : scales + n * C * 4);
      return;
    }
    if (pool.splits && N * H * W * C >= SPLIT_MIN_ELEMENTS) {
      pool.split('pad_rows', [{ at: src.byteOffset, bytes: srcImage }, { at: first, bytes: dstImage }, H, n4, l4, r4, W * C * 4, rowLen * 4], -1, N, 1);
    } else for (let n = 0; n < N; n++) ew.pad_rows(src.byteOffset + n * srcImage, first + n * dstImage, H, n4, l4, r4, W * C * 4, rowLen * 4);
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let y = 0; y < H; y++) {
      const from = ((n * H + y) * W) * C;
      const to = off + (n * Hp + y + s.padTop) * rowLen;
      dst.fill(0, to, to + s.padLeft * C);
      dst.set(src.subarray(from, from + W * C), to + s.padLeft * C);
      dst.fill(0, to + (s.padLeft + W) * C, to + rowLen);
    }
  }
}

/** Rows and columns of the padded image that cover every tap of `ow` output columns (and all OH rows). */
function paddedSize(s: ConvShape, ow: number): [number, number] {
  return [Math.max(s.padTop + s.H, (s.OH - 1) * s.SH + (s.KH - 1) * s.DH + 1), Math.max(s.padLeft + s.W, (ow - 1) * s.SW + (s.KW - 1) * s.DW + 1)];
}

/**
 * How a conv's filter is laid out: `hwio`, the tensor itself (KH x KW x C x CO); `flipped`, an HWIO filter of the
 * transposed conv (KH x KW x CO x C) read rotated by 180 degrees with its channel axes swapped, which makes the
 * stride-1 input gradient a plain conv of dy.
 */
export type ConvFilter = 'hwio' | 'flipped';

/**
 * Packs the filter into panels of GEMM_NR output channels, panel p at bo + p * GEMM_NR * kq, step k = tap * C + ci
 * within it (GEMM_NR floats a step; channels past CO are zero). Each source run is read in order: a filter of
 * 256 x 256 channels packs ~2.5x faster than through a per-element index function.
 */
function packFilter(w: Float32Array, s: ConvShape, filter: ConvFilter, mem: Float32Array, bo: number): void {
  const { C, CO } = s;
  const taps = s.KH * s.KW;
  const kq = taps * C;
  const panelFloats = GEMM_NR * kq;
  const full = Math.floor(CO / GEMM_NR);
  if (full * GEMM_NR < CO) mem.fill(0, bo + full * panelFloats, bo + (full + 1) * panelFloats);
  if (filter === 'hwio') {
    // Step k's CO values are contiguous: w[k * CO + co].
    for (let k = 0, src = 0; k < kq; k++, src += CO) {
      let d = bo + k * GEMM_NR;
      let o = 0;
      for (; o < full * GEMM_NR; o += GEMM_NR, d += panelFloats) {
        const f = src + o;
        mem[d] = w[f]; mem[d + 1] = w[f + 1]; mem[d + 2] = w[f + 2]; mem[d + 3] = w[f + 3];
        mem[d + 4] = w[f + 4]; mem[d + 5] = w[f + 5]; mem[d + 6] = w[f + 6]; mem[d + 7] = w[f + 7];
      }
      for (let r = 0; o < CO; o++, r++) mem[d + r] = w[src + o];
    }
    return;
  }
  // Flipped: value (tap, ci, co) = w[((taps - 1 - tap) * CO + co) * C + ci], contiguous over ci.
  for (let tap = 0; tap < taps; tap++) {
    for (let o = 0; o < CO; o++) {
      const src = ((taps - 1 - tap) * CO + o) * C;
      const d = bo + Math.floor(o / GEMM_NR) * panelFloats + tap * C * GEMM_NR + (o % GEMM_NR);
      for (let c = 0; c < C; c++) mem[d + c * GEMM_NR] = w[src + c];
    }
  }
}

/**
 * y = conv(x, w) as an implicit-im2col GEMM: x is copied once, zero-padded, into the shared memory, the filter
 * is packed into panels of GEMM_NR output channels, and each task computes GEMM_MR adjacent output pixels of
 * one row against up to TASK_PANELS channel panels, reading its taps straight from the padded image.
 * (Reading an HWIO filter in place, CO floats per step, measured up to 1.8x slower at 256 channels: the
 * 1 KiB stride maps every step to the same L1 sets.)
 */
export function implicitConv(gemm: GemmPool, x: Float32Array, s: ConvShape, w: Float32Array, filter: ConvFilter, y: Float32Array, onHeap = false, act?: Activation): void {
  if (onHeap && winogradApplies(gemm, s)) {
    winogradConv(gemm, x, s, w, filter, y, act);
    return;
  }
  const { N, C, KH, KW, CO, OH, OW } = s;
  const owPanels = Math.ceil(OW / GEMM_MR);
  const owP = owPanels * GEMM_MR;
  const [Hp, Wp] = paddedSize(s, owP);
  const nPanels = Math.ceil(CO / GEMM_NR);
  const COp = nPanels * GEMM_NR;
  const kq = KH * KW * C;
  // The work the microkernel does, padding included (a 1-channel output conv is 8 channels of work): what
  // decides whether waking the workers pays.
  const work = 2 * N * OH * owP * kq * COp;
  gemm.prewake(work);
  // On tfjs's shared heap: an image that needs no padding is read where it is, and whole output blocks are
  // written straight into y.
  const xInPlace = !act && onHeap && Hp === s.H && Wp === s.W && s.padTop === 0 && s.padLeft === 0;
  const yInPlace = onHeap && COp === CO && owP === OW;
  const [xr, bo, cr] = gemm.regions([xInPlace ? 0 : N * Hp * Wp * C, nPanels * GEMM_NR * kq, yInPlace ? 0 : N * OH * owP * COp]);
  const mem = gemm.floats();
  const xo = xInPlace ? x.byteOffset / 4 : xr;
  const co = yInPlace ? y.byteOffset / 4 : cr;
  if (!xInPlace) padImage(x, s, Hp, Wp, mem, xo, onHeap ? gemm : undefined, act);
  packFilter(w, s, filter, mem, bo);
  const jBlocks = Math.ceil(nPanels / TASK_PANELS);
  const rowPanels = N * OH * owPanels;
  // Row panels per task: enough work per task (~0.5 MFLOP) that taking one (an atomic add, JS bookkeeping) is
  // cheap beside it, while leaving dozens of tasks per thread to balance.
  const group = Math.max(1, Math.min(Math.floor(rowPanels / 64), Math.ceil(5e5 / (2 * GEMM_MR * kq * Math.min(COp, TASK_PANELS * GEMM_NR)))));
  const tasks = Math.ceil(rowPanels / group) * jBlocks;
  gemm.runJob(JOB.CONV, [xo * 4, bo * 4, co * 4, rowPanels, OH, owPanels, jBlocks, nPanels, Hp, Wp, C, s.SH, s.SW, s.DH, s.DW, KH, KW, COp * 4, group], tasks, work);
  if (yInPlace) return;
  const ew = onHeap ? heapElementwise(wasmBackend()) : undefined;
  if (COp === CO && owP === OW) y.set(mem.subarray(co, co + N * OH * OW * CO));
  // Whole channel blocks but padded rows (7- and 14-pixel widths): one strided wasm copy instead of a
  // subarray per row (alternated in one process: 1-6% faster convs at 14x14 and 7x7).
  else if (ew && COp === CO) scaleRows(ew, co * 4, y.byteOffset, N * OH, (OW * CO) / 4, owP * COp * 4, OW * CO * 4, 1);
  else {
    for (let r = 0; r < N * OH; r++) {
      const from = co + r * owP * COp;
      if (COp === CO) y.set(mem.subarray(from, from + OW * CO), r * OW * CO);
      else for (let ox = 0, to = r * OW * CO; ox < OW; ox++) for (let c = 0, f = from + ox * COp; c < CO; c++) y[to++] = mem[f + c];
    }
  }
}

/** Scratch bytes a Winograd task's two buffers ((T + 2)^2 slabs of tiles x channels each) may take per thread: within L2. */
const WINOGRAD_SCRATCH_BYTES = 256 * 1024;

/** `FLOW_WINOGRAD=0` turns the Winograd convs off (read once: the check runs on every conv call). */
const WINOGRAD_ON = process.env.FLOW_WINOGRAD !== '0';

/** Output tile of the Winograd conv: 4 (F(4x4, 3x3)), or 2 (F(2x2, 3x3)) with `FLOW_WINOGRAD=2`. */
let winogradTile: 2 | 4 = process.env.FLOW_WINOGRAD === '2' ? 2 : 4;

/**
 * Sets the Winograd conv's output tile (2: F(2x2, 3x3), 16 products a tile for 4 outputs; 4: F(4x4, 3x3), 36
 * for 16) and its filter gradient's dy tile alike (F(3x3, 2x2) or F(3x3, 4x4)); returns the previous one.
 */
export function setWinogradTile(tile: 2 | 4): 2 | 4 {
  const prev = winogradTile;
  winogradTile = tile;
  return prev;
}

/** Whether a conv runs as Winograd: 3x3, stride 1, no dilation, channels in whole vectors, on tfjs's heap. */
function winogradApplies(gemm: GemmPool, s: ConvShape): boolean {
  return WINOGRAD_ON && gemm.hasElementwise && s.KH === 3 && s.KW === 3 && s.SH === 1 && s.SW === 1 && s.DH === 1 && s.DW === 1 && s.C % 4 === 0 && s.CO % 4 === 0;
}

/**
 * The filter transform U = G g G^T per (input, output) channel, G the tiling's (F(2x2, 3x3): [1 0 0; 1/2 1/2 1/2;
 * 1/2 -1/2 1/2; 0 0 1]; F(4x4, 3x3): 6 x 3, wasm/generate-elementwise-wat.mjs G4), into (T + 2)^2 slabs (e = (T +
 * 2) row + column) of panels of GEMM_NR output channels: U[e] at uo + e * (COp * C + SLAB_PAD), panel p at p *
 * GEMM_NR * C, input channel ci at ci * GEMM_NR (channels past CO zero). The SIMD kernels work in float64 and round
 * once, 4 output channels at a time (CO is a multiple of 4 here).
 */
function transformFilter(w: Float32Array, s: ConvShape, filter: ConvFilter, mem: Float32Array, uo: number, COp: number, T: 2 | 4): void {
  const { C, CO } = s;
  const slab = COp * C + SLAB_PAD;
  if (COp > CO) for (let e = 0; e < (T + 2) * (T + 2); e++) mem.fill(0, uo + e * slab + (COp - GEMM_NR) * C, uo + e * slab + COp * C);
  const ew = winogradElementwise();
  // Tap t of (ci, co): hwio w[(t C + ci) CO + co] (4 channels contiguous); flipped (rotated, channel axes
  // swapped) w[((8 - t) CO + co) C + ci].
  const [hwio, gather] = T === 4 ? [ew.wino4_filter, ew.wino4_filter_gather] : [ew.wino_filter, ew.wino_filter_gather];
  if (filter === 'hwio') hwio(w.byteOffset, uo * 4, C, CO / 4, slab * 4, CO * 4, 4, C * CO * 4);
  else gather(w.byteOffset + 8 * C * CO * 4, uo * 4, C, CO / 4, slab * 4, 4, C * 4, -C * CO * 4);
}

/**
 * A Winograd conv's tiling: tilesY x tilesX tiles of T x T outputs an image (OHp x OWp, the sizes rounded up to
 * whole tiles), the zero-padded image covering every tile's (T + 2) x (T + 2) patch (Hp x Wp), output channels in
 * whole panels (COp).
 */
function winogradGeometry(s: ConvShape, T: 2 | 4 = 2) {
  const TY = Math.ceil(s.OH / T);
  const TX = Math.ceil(s.OW / T);
  const nPanels = Math.ceil(s.CO / GEMM_NR);
  // One padded image shape for both tile sizes (the fused conv hands its padded input to the filter gradient):
  // rows and columns enough for the larger tiling.
  const [Hp, Wp] = [paddedFor(s.padTop + s.H, s.OH), paddedFor(s.padLeft + s.W, s.OW)];
  return { TY, TX, OHp: T * TY, OWp: T * TX, nPanels, COp: nPanels * GEMM_NR, total: s.N * TY * TX, Hp, Wp };
}

/** Padded rows (columns) covering the input and every tile's patch, 2x2 and 4x4 tiles alike. */
const paddedFor = (input: number, out: number): number => Math.max(input, 2 * Math.ceil(out / 2) + 2, 4 * Math.ceil(out / 4) + 2);

/**
 * y = conv(x, w) for a 3x3 stride-1 filter as Winograd F(T x T, 3x3): each T x T block of outputs (a tile) costs
 * (T + 2)^2 products per channel pair instead of 9 T^2, so the GEMM work falls 2.25x (T = 2) or 4x (T = 4, the
 * default: 1.1-1.5x faster convs, at 5-15x F(2x2)'s float32 error: up to ~1e-5 of the largest output). The zero-
 * padded image is transformed a block of tiles at a time into each thread's scratch (kept in L2), multiplied by
 * the transformed filter as (T + 2)^2 GEMMs and transformed back into y.
 */
function winogradConv(gemm: GemmPool, x: Float32Array, s: ConvShape, w: Float32Array, filter: ConvFilter, y: Float32Array, act?: Activation): void {
  const { N, C, CO, OH, OW } = s;
  const T = winogradTile;
  const E = (T + 2) * (T + 2);
  const { TY, TX, OHp, OWp, Hp, Wp, nPanels, COp, total } = winogradGeometry(s, T);
  gemm.prewake(2 * N * OH * OW * 9 * C * CO);
  // Tiles per task: both buffers within the scratch budget, and at least ~4 tasks a thread to balance.
  const fit = Math.floor(WINOGRAD_SCRATCH_BYTES / (2 * E * 4 * Math.max(C, COp)) / GEMM_MR) * GEMM_MR;
  const spread = Math.ceil(total / (4 * gemm.threads) / GEMM_MR) * GEMM_MR;
  const TB = Math.max(GEMM_MR, Math.min(64, fit, spread));
  const perThread = roundUp(E * (TB * (C + COp) + 2 * SLAB_PAD), 16);
  const xInPlace = !act && Hp === s.H && Wp === s.W && s.padTop === 0 && s.padLeft === 0;
  const kept = act?.padded;
  const yInPlace = OHp === OH && OWp === OW;
  const [xr, uo, yr, so] = gemm.regions([xInPlace || kept !== undefined ? 0 : N * Hp * Wp * C, E * (COp * C + SLAB_PAD), yInPlace ? 0 : N * OHp * OWp * CO, gemm.threads * perThread]);
  const mem = gemm.floats();
  const xo = kept !== undefined ? kept / 4 : xInPlace ? x.byteOffset / 4 : xr;
  const yo = yInPlace ? y.byteOffset / 4 : yr;
  if (!xInPlace) padImage(x, s, Hp, Wp, mem, xo, gemm, act);
  transformFilter(w, s, filter, mem, uo, COp, T);
  const params = [xo * 4, uo * 4, yo * 4, total, TY, TX, TB, Hp * Wp * C * 4, Wp * C * 4, C, COp, nPanels, CO, OHp * OWp * CO * 4, OWp * CO * 4, so * 4, perThread * 4, KC_WINOGRAD, T];
  gemm.runJob(JOB.WINOGRAD, params, Math.ceil(total / TB), 2 * N * OH * OW * 9 * C * CO);
  if (yInPlace) return;
  // Odd output sizes: the last tile row / column was computed whole; copy the image rows without it.
  const ew = winogradElementwise();
  for (let n = 0; n < N; n++) scaleRows(ew, (yo + n * OHp * OWp * CO) * 4, y.byteOffset + n * OH * OW * CO * 4, OH, (OW * CO) / 4, OWp * CO * 4, OW * CO * 4, 1);
}

/** The elementwise kernels on tfjs's heap, which the Winograd paths require (winogradApplies: the pool lives there). */
function winogradElementwise(): ElementwiseExports {
  const ew = heapElementwise(wasmBackend());
  if (!ew) throw new Error("wasm GEMM: the Winograd conv needs the elementwise kernels on tfjs's heap");
  return ew;
}

/**
 * Output pixels an image from which the filter gradient runs as Winograd, by tile. F(3x3, 2x2), with the slabs
 * off the 4 KiB stride (SLAB_PAD), beats the direct gradient from 8x8 up (2 threads, best of 27: 8x8x64 0.85-1.05
 * ms against 1.2-1.4, 8x8x128 2.8 against 5.0-5.5, 14x14x32 0.67-0.85 against 0.83-0.9, 14x14 64 -> 32 1.0
 * against 1.9); at 7x7 the tiles' padding to 8x8 costs more than it saves (7x7x32 0.23-0.25 ms against
 * 0.20-0.21). F(3x3, 4x4) beats it from 4x4 up (best of 60, two runs each: 7x7x32 0.20-0.21 against 0.22-0.23,
 * 7x7 64 -> 32 0.41-0.58 against 0.65-0.71, 4x4x256 3.8-4.5 against 6.6-6.7).
 */
export const WINOGRAD_FILTER_MIN_PIXELS: Readonly<Record<2 | 4, number>> = { 2: 64, 4: 16 };

/** Tiles a Winograd filter-gradient block transforms at once: its two scratch slabs stay within L2. */
const WINOGRAD_FILTER_BLOCK = 32;

/** Whether implicitFilterGrad runs as Winograd (and so can apply an activation to x as it pads it). */
export function winogradFilterGradApplies(gemm: GemmPool, s: ConvShape, onHeap: boolean): boolean {
  return onHeap && winogradApplies(gemm, s) && s.OH * s.OW >= WINOGRAD_FILTER_MIN_PIXELS[winogradTile];
}

/**
 * The shape [N, Hp, Wp, C] of the zero-padded image that both the Winograd conv and the Winograd filter gradient
 * of this conv read, where both run as Winograd (so one can hand it to the other, Activation.padded); else undefined.
 */
export function winogradPaddedShape(gemm: GemmPool, s: ConvShape, onHeap: boolean): [number, number, number, number] | undefined {
  if (!winogradFilterGradApplies(gemm, s, onHeap)) return undefined;
  const { Hp, Wp } = winogradGeometry(s);
  return [s.N, Hp, Wp, s.C];
}

/**
 * dW for a 3x3 stride-1 filter as Winograd F(3x3, T x T): dW = G^T [(B^T X B) . (A D A^T)] G, the matrices of
 * F(T x T, 3x3), summed over the T x T tiles of dy (D) and their (T + 2)^2 input patches (X), so (T + 2)^2 products
 * per channel pair and tile instead of 9 T^2 (T = 2: 16 for 36; T = 4: 36 for 144). The
 * tiles are split into at most 16 fixed ranges (never by the thread count); a task sums its range, a block of
 * tiles at a time transformed into its thread's scratch, into its own partial products; the partials are
 * then added in range order and transformed back (G^T m G), so dW is the same for every thread count.
 */
function winogradFilterGrad(gemm: GemmPool, x: Float32Array, dy: Float32Array, s: ConvShape, dw: Float32Array, act?: Activation): void {
  const { N, C, CO, OH, OW } = s;
  // dy tiles as the conv's (setWinogradTile). Alone on 2 threads, F(3x3, 4x4) against F(3x3, 2x2), 32 tiles a
  // block either way: 28x28x32 1.33 against 1.73 ms, 28x28x16 0.40 / 0.54, 14x14x64 -> 32 0.97 / 0.95,
  // 32x32x128 18.1 / 26.9, 16x16x128 5.6 / 7.6, 8x8x256 5.9 / 8.5.
  const T = winogradTile;
  const E = (T + 2) * (T + 2);
  const { TY, TX, OHp, OWp, Hp, Wp, nPanels, COp, total } = winogradGeometry(s, T);
  gemm.prewake(2 * N * OH * OW * 9 * C * CO);
  const SUB = WINOGRAD_FILTER_BLOCK;
  const TT = Math.max(SUB, Math.ceil(total / 16 / SUB) * SUB);
  const ranges = Math.ceil(total / TT);
  const perThread = roundUp(E * (SUB * (C + COp) + 2 * SLAB_PAD), 16);
  const partial = E * (C * COp + SLAB_PAD);
  // The forward conv's activated, padded copy of x (Activation.padded) is read where it is.
  const kept = act?.padded;
  const xInPlace = kept !== undefined || (!act && Hp === s.H && Wp === s.W && s.padTop === 0 && s.padLeft === 0);
  const dyInPlace = OHp === OH && OWp === OW;
  const [xr, dyr, pr, so] = gemm.regions([xInPlace ? 0 : N * Hp * Wp * C, dyInPlace ? 0 : N * OHp * OWp * CO, ranges * partial, gemm.threads * perThread]);
  const mem = gemm.floats();
  const xo = kept !== undefined ? kept / 4 : xInPlace ? x.byteOffset / 4 : xr;
  const dyo = dyInPlace ? dy.byteOffset / 4 : dyr;
  if (!xInPlace) padImage(x, s, Hp, Wp, mem, xo, gemm, act);
  // Odd output sizes: dy gets a zero row / column so that every tile is whole.
  if (!dyInPlace) padImage(dy, { ...s, H: OH, W: OW, C: CO, padTop: 0, padLeft: 0 }, OHp, OWp, mem, dyo, gemm);
  const params = [xo * 4, dyo * 4, pr * 4, total, TY, TX, TT, SUB, Hp * Wp * C * 4, Wp * C * 4, C, CO, COp, nPanels, OHp * OWp * CO * 4, OWp * CO * 4, so * 4, perThread * 4, T];
  gemm.runJob(JOB.WINOGRAD_FILTER, params, ranges, 2 * N * OH * OW * 9 * C * CO);
  // The partials summed in range order and transformed back (G^T m G, float64, rounded once) into dW (HWIO):
  // a few input channels a task, on every thread (each channel's result is its own).
  const slab = C * COp + SLAB_PAD;
  const back = T === 4 ? 'wino4_filter_back' : 'wino_filter_back';
  const args = [pr * 4, dw.byteOffset, C, ranges, partial * 4, slab * 4, COp * 4, CO * 4, C * CO * 4, CO / 4] as const;
  if (gemm.splits) gemm.split(back, [{ at: args[0], bytes: COp * 4 }, { at: args[1], bytes: CO * 4 }, ...args.slice(2)], 2, C, Math.ceil(C / 8));
  else winogradElementwise()[back](...args);
}

/** k steps per Winograd GEMM call (the slab's rows of one tile panel stay in L1 meanwhile). */
const KC_WINOGRAD = 256;

/** Bytes of x and dy rows one filter-gradient call reads (L1 is 32-48 KiB on current x86 cores). */
const FILTER_GRAD_CALL_BYTES = 32768;

/** Copies `pixels` pixels of `c` channels into `dst` at `at` with their channels zero-padded to `cp`. */
function copyPixels(src: Float32Array, pixels: number, c: number, cp: number, dst: Float32Array, at: number): void {
  if (cp === c) {
    dst.set(src.subarray(0, pixels * c), at);
    return;
  }
  // A plain loop: a subarray per pixel cost more than the copy at a few channels (the U-Net's output conv).
  for (let p = 0, f = 0, t = at; p < pixels; p++, t += cp) {
    let k = 0;
    for (; k < c; k++) dst[t + k] = src[f++]!;
    for (; k < cp; k++) dst[t + k] = 0;
  }
}

/** Output rows (or columns) [lo, hi) whose tap reads inside the image: 0 <= o * stride + tap * dilation - pad < size. */
function validOutputs(out: number, size: number, stride: number, dilation: number, pad: number, tap: number): [number, number] {
  const shift = tap * dilation - pad;
  const lo = Math.max(0, Math.ceil(-shift / stride));
  const hi = Math.min(out, Math.floor((size - 1 - shift) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * dW[tap, ci, co] = sum over images and output pixels of x(tap, pixel, ci) * dy(pixel, co). x is read unpadded
 * (in place on tfjs's shared heap when its channels are a multiple of GEMM_MR, else copied with them padded):
 * each tap sums only the output rows and columns whose input pixel lies inside the image, since the zero
 * padding adds nothing, so no padded copy of x is made. dy is read with its channels padded to GEMM_NR. Each
 * task is up to 32 input channels (FILTER_GRAD_GROUP panels) of one tap against every output channel, summing a
 * few output rows at a time (FILTER_GRAD_CALL_BYTES of x and dy per call, so they stay in L1) in a fixed order.
 */
export function implicitFilterGrad(gemm: GemmPool, x: Float32Array, dy: Float32Array, s: ConvShape, dw: Float32Array, onHeap = false, act?: Activation): void {
  if (winogradFilterGradApplies(gemm, s, onHeap)) {
    winogradFilterGrad(gemm, x, dy, s, dw, act);
    return;
  }
  if (act) throw new Error('wasm conv: the direct filter gradient takes no activation (apply it to x first)');
  const { N, H, W, C, KH, KW, CO, OH, OW } = s;
  const Cp = roundUp(C, GEMM_MR);
  const COp = roundUp(CO, GEMM_NR);
  const work = 2 * N * OH * OW * KH * KW * Cp * COp;
  gemm.prewake(work);
  // On tfjs's shared heap, operands whose layout is already the kernel's are read (dW written) in place.
  const xInPlace = onHeap && Cp === C;
  const dyInPlace = onHeap && COp === CO;
  const dwInPlace = onHeap && Cp === C && COp === CO;
  const [xr, dyr, cr] = gemm.regions([xInPlace ? 0 : N * H * W * Cp, dyInPlace ? 0 : N * OH * OW * COp, dwInPlace ? 0 : KH * KW * Cp * COp]);
  const mem = gemm.floats();
  const xo = xInPlace ? x.byteOffset / 4 : xr;
  const dyo = dyInPlace ? dy.byteOffset / 4 : dyr;
  const co = dwInPlace ? dw.byteOffset / 4 : cr;
  if (!xInPlace) copyPixels(x, N * H * W, C, Cp, mem, xo);
  if (!dyInPlace) copyPixels(dy, N * OH * OW, CO, COp, mem, dyo);
  // A tap that reads only padding (an image smaller than the kernel's reach) has a zero gradient.
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const [y0, y1] = validOutputs(OH, H, s.SH, s.DH, s.padTop, kh);
      const [x0, x1] = validOutputs(OW, W, s.SW, s.DW, s.padLeft, kw);
      if (y0 === y1 || x0 === x1) mem.fill(0, co + (kh * KW + kw) * Cp * COp, co + (kh * KW + kw + 1) * Cp * COp);
    }
  }
  const ciPanels = Cp / GEMM_MR;
  const nPanels = COp / GEMM_NR;
  // Output rows per call: the call's x and dy rows (pixels x (Cp + COp) floats) within ~32 KiB, so they stay in
  // L1 while the task's channel panels meet them (alternated in one process, 2 threads: 5-15% faster than 256
  // pixels a call at 32-64 channels, the same at 16).
  const rows = Math.max(1, Math.floor(FILTER_GRAD_CALL_BYTES / ((Cp + COp) * 4) / OW));
  const params = [xo * 4, dyo * 4, co * 4, N, OH, OW, H, W, Cp, COp, s.SH, s.SW, s.DH, s.DW, KW, ciPanels, nPanels, COp * 4, rows, FILTER_GRAD_GROUP, s.padTop, s.padLeft];
  gemm.runJob(JOB.FILTER_GRAD, params, KH * KW * Math.ceil(ciPanels / FILTER_GRAD_GROUP), work);
  if (dwInPlace) return;
  for (let tap = 0; tap < KH * KW; tap++) {
    for (let ci = 0; ci < C; ci++) dw.set(mem.subarray(co + (tap * Cp + ci) * COp, co + (tap * Cp + ci) * COp + CO), (tap * C + ci) * CO);
  }
}

/** The engine's shape of a conv from the geometry the native kernels share (conv-geometry.ts). */
export function convShape(g: Conv2DGeometry): ConvShape {
  return {
    N: g.batchSize, H: g.inHeight, W: g.inWidth, C: g.inChannels, KH: g.filterHeight, KW: g.filterWidth, CO: g.outChannels,
    OH: g.outHeight, OW: g.outWidth, SH: g.strideHeight, SW: g.strideWidth, DH: g.dilationHeight, DW: g.dilationWidth, padTop: g.padTop, padLeft: g.padLeft,
  };
}
