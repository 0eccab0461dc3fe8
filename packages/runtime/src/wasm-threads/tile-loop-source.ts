import { GEMM_MR, GEMM_NR } from './gemm-module';

// Control block (int32 slots at the start of the shared memory, or in a block of tfjs's shared heap) through which the calling thread hands a job
// to the workers. The job's parameters are written before GEN is bumped and read after it changes.
export const CTRL = {
  GEN: 0, // job generation: workers sleep on it (Atomics.wait) and wake when it changes
  DONE: 1, // workers that finished the current job
  NEXT: 2, // next task index to take (Atomics.add)
  TOTAL: 3, // tasks in the job
  STOP: 4, // 1: workers exit
  WORKER_TASKS: 5, // tasks the workers took, all jobs together (a statistic: tests check the workers take part)
  JOINED: 6, // workers that joined the current job; CLOSED_BIT once the caller stopped counting (see runJob)
  PARAMS: 8, // the job: JOB.* below, then the mode's parameters (byte offsets and counts)
} as const;
export const CTRL_BYTES = 256;
/** How long a pre-woken worker polls for the job before it sleeps again (ms). */
export const PREWAKE_SPIN_MS = 0.3;
/**
 * How long a worker polls for the next job after finishing one (ms): alternated in one process on 2 threads,
 * 0.1-0.4 ms made U-Net passes 0.4-4.4% faster (eight pairs, every one faster), at the cost of that CPU time.
 */
export const POST_JOB_SPIN_MS = 0.2;
/** Set in JOINED when the calling thread has run out of tasks: a worker that joins after that takes no part. */
export const CLOSED_BIT = 1 << 30;
/** Parameters a job may pass after its kind. */
export const MAX_JOB_PARAMS = 40;
/** Float64 slots at the end of the control block (bytes 200-255) for a split call's float arguments. */
export const CTRL_F64_AT = 200;
export const CTRL_F64_SLOTS = 7;
if ((CTRL.PARAMS + 1 + MAX_JOB_PARAMS) * 4 > CTRL_F64_AT || CTRL_F64_AT + 8 * CTRL_F64_SLOTS > CTRL_BYTES) throw new Error('control block layout overlaps');

/** The elementwise kernels (wasm/generate-elementwise-wat.mjs) a SPLIT job may call, by index. */
export const SPLIT_KERNELS = ['mp_silu', 'mp_silu_grad', 'mp_silu_mod', 'mp_silu_mod_grad', 'mp_sum', 'clip_grad', 'row_normalize', 'row_normalize_grad', 'scale_rows', 'pad_rows', 'pad_rows_act', 'down2x', 'up2x', 'wino_filter_back', 'wino4_filter_back'] as const;
export type SplitKernel = (typeof SPLIT_KERNELS)[number];
/**
 * Floats between consecutive Winograd slabs beyond their contents. Slabs of 1024 floats or a multiple (C x COp
 * at 32 x 32, 64 tiles x 32 channels) put the 16 values of one transform 4 KiB apart, all in one L1 set, which
 * holds 8 to 12 lines: every transform then missed L1. One line more each spreads them over 16 sets.
 */
export const SLAB_PAD = 16;
/** B panels per task of a packed GEMM or a conv: one A panel meets up to this many B panels (128 columns of C). */
export const TASK_PANELS = 16;

/**
 * Input-channel panels per filter-gradient task (32 channels of one tap): each dy row chunk meets that many
 * x panels while in L1 (alternated in one process, 2 threads: 3-8% faster than 16 channels at 32-64).
 */
export const FILTER_GRAD_GROUP = 8;

/** Job kinds. */
export const JOB = {
  /**
   * C[b] = A[b] . B[b]: aBase, bBase, cBase, mPanels, jBlocks, nPanels, k, kc, ldc, aBatch, bBatch, cBatch, accumulate,
   * then the operands' byte strides (aRow, aStep, aPanel, bStep, bPanel), so A and B may be packed panels or
   * plain (transposed) row-major copies, then the row panels a task takes.
   */
  PACKED: 0,
  /**
   * Implicit-im2col conv from a zero-padded NHWC image: xBase, bBase, cBase, rowPanels, OH, OWpanels, jBlocks, nPanels,
   * Hp, Wp, Cp, SH, SW, DH, DW, KH, KW, ldc, group (row panels per task).
   */
  CONV: 1,
  /**
   * Filter gradient from an unpadded image and dy: xBase, dyBase, cBase, N, OH, OW, H, W, Cp, COp, SH, SW, DH, DW, KW,
   * ciPanels, nPanels, ldc, rows per call, channel panels per task, padTop, padLeft.
   */
  FILTER_GRAD: 2,
  /**
   * One elementwise kernel call split into chunks of independent units (vectors, pixels or rows): kernel index
   * (SPLIT_KERNELS), argument count, index of the count argument (-1: none), units, units per task, float mask (bit i: argument
   * i is a number, its value the index of a float64 slot at CTRL_F64_AT), then per argument its value, bytes per
   * unit and a unit divisor (an argument advances by floor(first unit / divisor) * bytes: per-image scales).
   * Each unit's result depends on that unit alone, so the split never changes a value.
   */
  SPLIT: 3,
  /**
   * Winograd F(T x T, 3x3) conv, T = 2 or 4, a block of tiles (T x T output pixels) a task: pBase, uBase, yBase,
   * tiles, tilesY, tilesX, tiles per task, image bytes, row bytes (padded image), C, COp, nPanels, CO, output
   * image bytes, output row bytes, scratch base, scratch bytes per thread, kc, T. Each thread transforms its block
   * into its own scratch ((T + 2)^2 slabs of tiles x C), multiplies each slab by its transformed filter panels,
   * and transforms back.
   */
  WINOGRAD: 4,
  /**
   * Winograd F(3x3, T x T) filter gradient, T = 2 or 4, a range of tiles a task summed into the task's own
   * (T + 2)^2 x C x COp partial products: xBase (padded image), dyBase (tile-aligned dy), partialBase, tiles,
   * tilesY, tilesX, tiles per task, tiles per block, image bytes, row bytes, C, CO, COp, nPanels, dy image bytes,
   * dy row bytes, scratch base, scratch bytes per thread, T.
   */
  WINOGRAD_FILTER: 5,
} as const;

// The task loop, as JavaScript source so the same text runs in the workers (eval'd: no file to resolve from
// ESM, CJS or jest) and on the calling thread (new Function). A task writes its own block of C and its result
// depends only on its index, never on which thread takes it, so C is bit-identical for every thread count.
export const TILE_LOOP_SOURCE = `
// Tiles [i0, i1) of a Winograd conv (images of TY x TX tiles, in order) as runs along one output row: fn(first
// tile, image, tile row, tile column, run length) once a run.
function tileRuns(i0, i1, TY, TX, fn) {
  for (let i = i0; i < i1;) {
    const n = (i / (TY * TX)) | 0, r = i - n * TY * TX, ty = (r / TX) | 0, tx = r - ty * TX, run = Math.min(TX - tx, i1 - i);
    fn(i, n, ty, tx, run);
    i += run;
  }
}

function runTiles(I, tile, counter, ew, slot) {
  const P = ${CTRL.PARAMS}, total = I[${CTRL.TOTAL}], mode = I[P];
  const q = [];
  for (let i = 1; i <= ${MAX_JOB_PARAMS}; i++) q.push(I[P + i]);
  const D = mode === ${JOB.SPLIT} ? new Float64Array(I.buffer, I.byteOffset + ${CTRL_F64_AT}, ${CTRL_F64_SLOTS}) : undefined;
  const kernel = mode === ${JOB.SPLIT} ? ew[${JSON.stringify(SPLIT_KERNELS)}[q[0]]] : undefined;
  const args = [];
  for (;;) {
    const t = Atomics.add(I, ${CTRL.NEXT}, 1);
    if (t >= total) return;
    if (counter) Atomics.add(I, counter, 1);
    if (mode === ${JOB.SPLIT}) {
      const [, nArgs, countArg, units, chunk, floats] = q;
      const u0 = t * chunk, len = Math.min(chunk, units - u0);
      for (let i = 0; i < nArgs; i++) {
        const at = 6 + 3 * i;
        args[i] = i === countArg ? len : (floats >> i) & 1 ? D[q[at]] : q[at] + Math.floor(u0 / q[at + 2]) * q[at + 1];
      }
      kernel(...args);
    } else if (mode === ${JOB.WINOGRAD}) {
      const [pBase, uBase, yBase, total, TY, TX, TB, img, prow, C, COp, nPanels, CO, yImg, yrow, sBase, sStride, kc, T] = q;
      const i0 = t * TB, i1 = Math.min(total, i0 + TB);
      // T x T outputs a tile: F(2x2, 3x3) (16 slabs) or F(4x4, 3x3) (36).
      const E = (T + 2) * (T + 2), win = T === 4 ? ew.wino4_in : ew.wino_in, wout = T === 4 ? ew.wino4_out : ew.wino_out;
      const vs = (TB * C + ${SLAB_PAD}) * 4, ms = (TB * COp + ${SLAB_PAD}) * 4, V = sBase + slot * sStride, M = V + E * vs, uSlab = (COp * C + ${SLAB_PAD}) * 4;
      // Runs of tiles along one output row: one transform call each.
      tileRuns(i0, i1, TY, TX, (i, n, ty, tx, run) => win(pBase + n * img + T * ty * prow + tx * T * 4 * C, V + (i - i0) * C * 4, run, C >> 2, prow, vs));
      // Slab e (tiles x C) times the filter's slab e (C x COp, in panels), the block's row panels in one call.
      const panels = Math.ceil((i1 - i0) / ${GEMM_MR});
      for (let e = 0; e < E; e++) {
        for (let k0 = 0; k0 < C; k0 += kc) {
          const kl = Math.min(kc, C - k0), acc = k0 > 0 ? 1 : 0;
          for (let jp = 0; jp < nPanels; jp++) {
            tile(V + e * vs + k0 * 4, uBase + e * uSlab + jp * ${GEMM_NR * 4} * C + k0 * ${GEMM_NR * 4}, M + e * ms + jp * ${GEMM_NR * 4}, COp * 4, acc, C * 4, 1, 0, 0, 1, 0, 0,
              kl, 4, ${GEMM_NR * 4}, panels, ${GEMM_MR * 4} * C, ${GEMM_MR * 4} * COp, 1, 0, 0);
          }
        }
      }
      tileRuns(i0, i1, TY, TX, (i, n, ty, tx, run) => wout(M + (i - i0) * COp * 4, yBase + n * yImg + T * ty * yrow + tx * T * 4 * CO, run, CO >> 2, COp * 4, ms, yrow));
    } else if (mode === ${JOB.WINOGRAD_FILTER}) {
      const [xBase, dyBase, pBase, total, TY, TX, TT, SUB, img, prow, C, CO, COp, nPanels, dyImg, dyRow, sBase, sStride, T] = q;
      const i0 = t * TT, i1 = Math.min(total, i0 + TT);
      // T x T tiles of dy: F(3x3, 2x2) (16 slabs) or F(3x3, 4x4) (36).
      const E = (T + 2) * (T + 2), win = T === 4 ? ew.wino4_in : ew.wino_in, wdy = T === 4 ? ew.wino4_dy : ew.wino_dy;
      const vs = (SUB * C + ${SLAB_PAD}) * 4, es = (SUB * COp + ${SLAB_PAD}) * 4, pSlab = (C * COp + ${SLAB_PAD}) * 4, V = sBase + slot * sStride, D = V + E * vs, P = pBase + t * E * pSlab;
      for (let b0 = i0; b0 < i1; b0 += SUB) {
        const b1 = Math.min(i1, b0 + SUB);
        tileRuns(b0, b1, TY, TX, (i, n, ty, tx, run) => {
          win(xBase + n * img + T * ty * prow + tx * T * 4 * C, V + (i - b0) * C * 4, run, C >> 2, prow, vs);
          wdy(dyBase + n * dyImg + T * ty * dyRow + tx * T * 4 * CO, D + (i - b0) * COp * 4, run, CO >> 2, dyRow, es, COp * 4);
        });
        // P[e] (C x COp) += V[e]^T D[e]: input-channel panels as rows (one call covers them all), tiles as steps.
        const acc = b0 > i0 ? 1 : 0;
        for (let e = 0; e < E; e++) {
          for (let jp = 0; jp < nPanels; jp++) {
            tile(V + e * vs, D + e * es + jp * ${GEMM_NR * 4}, P + e * pSlab + jp * ${GEMM_NR * 4}, COp * 4, acc, 4, 1, 0, 0, 1, 0, 0,
              b1 - b0, C * 4, COp * 4, C >> 2, ${GEMM_MR * 4}, ${GEMM_MR * 4} * COp, 1, 0, 0);
          }
        }
      }
    } else if (mode === ${JOB.PACKED}) {
      const [aBase, bBase, cBase, mPanels, jBlocks, nPanels, kp, kc, ldc, aBatch, bBatch, cBatch, accum, aRow, aStep, aPanel, bStep, bPanel, group] = q;
      const groups = Math.ceil(mPanels / group), perBatch = groups * jBlocks;
      const b = (t / perBatch) | 0, r = t - b * perBatch, gi = (r / jBlocks) | 0, j0 = (r - gi * jBlocks) * ${TASK_PANELS};
      const j1 = Math.min(nPanels, j0 + ${TASK_PANELS}), ip0 = gi * group, count = Math.min(group, mPanels - ip0);
      const ap = aBase + b * aBatch + ip0 * aPanel, bp = bBase + b * bBatch, cp = cBase + b * cBatch + ip0 * ${GEMM_MR} * ldc;
      // Each call runs the group's row panels against one B panel (kc x ${GEMM_NR} floats, in L1 meanwhile).
      for (let k0 = 0; k0 < kp; k0 += kc) {
        const kl = Math.min(kc, kp - k0), acc = k0 > 0 ? 1 : accum;
        for (let jp = j0; jp < j1; jp++) {
          tile(ap + k0 * aStep, bp + jp * bPanel + k0 * bStep, cp + jp * ${GEMM_NR * 4}, ldc, acc, aRow, 1, 0, 0, 1, 0, 0, kl, aStep, bStep, count, aPanel, ${GEMM_MR} * ldc, 1, 0, 0);
        }
      }
    } else if (mode === ${JOB.CONV}) {
      const [xBase, bBase, cBase, rowPanels, OH, OWpanels, jBlocks, nPanels, Hp, Wp, Cp, SH, SW, DH, DW, KH, KW, ldc, group] = q;
      const g = (t / jBlocks) | 0, j0 = (t - g * jBlocks) * ${TASK_PANELS}, j1 = Math.min(nPanels, j0 + ${TASK_PANELS});
      const kq = KH * KW * Cp;
      // Filter panel outer, the group's row panels inner: one panel (kq x 8 floats) stays in L1/L2 while it meets them all.
      const rp0 = g * group, rp1 = Math.min(rowPanels, rp0 + group);
      for (let jp = j0; jp < j1; jp++) {
        const bp = bBase + jp * kq * ${GEMM_NR * 4}, cj = cBase + jp * ${GEMM_NR * 4};
        for (let rp = rp0; rp < rp1;) {
          const n = (rp / (OH * OWpanels)) | 0, rest = rp - n * OH * OWpanels, oy = (rest / OWpanels) | 0, oxp = rest - oy * OWpanels;
          const ap = xBase + ((n * Hp + oy * SH) * Wp + oxp * ${GEMM_MR} * SW) * Cp * 4;
          // One call per run of row panels: whole output rows of one image at once, else the rest of a row.
          let n3, n4 = 1;
          if (oxp === 0 && rp + OWpanels <= rp1) { n3 = OWpanels; n4 = Math.min(((rp1 - rp) / OWpanels) | 0, OH - oy); }
          else n3 = Math.min(OWpanels - oxp, rp1 - rp);
          tile(ap, bp, cj + rp * ${GEMM_MR} * ldc, ldc, 0, SW * Cp * 4, KH, DH * Wp * Cp * 4, KW * Cp * ${GEMM_NR * 4}, KW, DW * Cp * 4, Cp * ${GEMM_NR * 4}, Cp, 4, ${GEMM_NR * 4},
            n3, ${GEMM_MR} * SW * Cp * 4, ${GEMM_MR} * ldc, n4, SH * Wp * Cp * 4, OWpanels * ${GEMM_MR} * ldc);
          rp += n3 * n4;
        }
      }
    } else {
      const [xBase, dyBase, cBase, N, OH, OW, H, W, Cp, COp, SH, SW, DH, DW, KW, ciPanels, nPanels, ldc, rows, group, padTop, padLeft] = q;
      const groups = Math.ceil(ciPanels / group), tap = (t / groups) | 0, g0 = (t - tap * groups) * group;
      const g1 = Math.min(ciPanels, g0 + group), kh = (tap / KW) | 0, kw = tap - kh * KW;
      // The output rows and columns whose input pixel (o * stride + tap * dilation - pad) lies inside the image:
      // the zero padding adds nothing, so x is read unpadded. (A tap with none was zeroed by the caller.)
      const sy = kh * DH - padTop, sx = kw * DW - padLeft;
      const y0 = Math.max(0, Math.ceil(-sy / SH)), y1 = Math.min(OH, Math.floor((H - 1 - sy) / SH) + 1);
      const x0 = Math.max(0, Math.ceil(-sx / SW)), x1 = Math.min(OW, Math.floor((W - 1 - sx) / SW) + 1);
      const c0 = cBase + tap * Cp * ldc;
      // A few output rows at a time against every (input, output) channel panel pair of the task, so those
      // rows of x and dy stay in cache.
      if (y0 < y1 && x0 < x1) for (let n = 0; n < N; n++) {
        for (let oy = y0; oy < y1; oy += rows) {
          const nr = Math.min(rows, y1 - oy), acc = n > 0 || oy > y0 ? 1 : 0;
          const ap = xBase + ((n * H + oy * SH + sy) * W + x0 * SW + sx) * Cp * 4, bp = dyBase + ((n * OH + oy) * OW + x0) * COp * 4;
          // One call a dy panel, for all the task's input-channel panels (n3).
          for (let jp = 0; jp < nPanels; jp++) {
            tile(ap + g0 * ${GEMM_MR * 4}, bp + jp * ${GEMM_NR * 4}, c0 + g0 * ${GEMM_MR} * ldc + jp * ${GEMM_NR * 4}, ldc, acc, 4, 1, 0, 0, nr, SH * W * Cp * 4, OW * COp * 4, x1 - x0, SW * Cp * 4, COp * 4,
              g1 - g0, ${GEMM_MR * 4}, ${GEMM_MR} * ldc, 1, 0, 0);
          }
        }
      }
    }
  }
}
`;

export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${TILE_LOOP_SOURCE}
const { module, memory, ctrl, elementwise, slot } = workerData;
const tile = new WebAssembly.Instance(module, { env: { memory } }).exports.tile;
const ew = elementwise ? new WebAssembly.Instance(elementwise, { env: { memory } }).exports : undefined;
const I = new Int32Array(memory.buffer, ctrl, ${CTRL_BYTES / 4});
let seen = Atomics.load(I, ${CTRL.GEN});
// Polls GEN for up to ms milliseconds; returns its value (still seen when no job came).
function poll(ms) {
  const until = performance.now() + ms;
  let gen;
  for (let i = 1; (gen = Atomics.load(I, ${CTRL.GEN})) === seen; i++) if ((i & 63) === 0 && performance.now() > until) break;
  return gen;
}
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(I, ${CTRL.GEN}, seen);
  let gen = Atomics.load(I, ${CTRL.GEN});
  if (gen === seen) {
    // Pre-woken (GemmPool.prewake): the caller is preparing a job, so poll for it rather than sleep again and
    // pay the wake-up once more when it comes.
    gen = poll(${PREWAKE_SPIN_MS});
    if (gen === seen) continue;
  }
  seen = gen;
  if (Atomics.load(I, ${CTRL.STOP}) === 1) break;
  // Woken too late (the caller already took every task and stopped counting): sit this job out.
  if ((Atomics.add(I, ${CTRL.JOINED}, 1) & ${CLOSED_BIT}) !== 0) continue;
  runTiles(I, tile, ${CTRL.WORKER_TASKS}, ew, slot);
  Atomics.add(I, ${CTRL.DONE}, 1);
  Atomics.notify(I, ${CTRL.DONE});
  // The next kernel of a step often starts its job within a few hundred microseconds: poll for it before sleeping.
  poll(${POST_JOB_SPIN_MS});
}
`;
