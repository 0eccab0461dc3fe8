import { GEMM_MR, GEMM_NR } from './gemm-module';

// Control block (int32 slots at the start of the shared memory) through which the calling thread hands a GEMM
// to the workers. The job's parameters are written before GEN is bumped and read after it changes.
export const CTRL = {
  GEN: 0, // job generation: workers sleep on it (Atomics.wait) and wake when it changes
  DONE: 1, // workers that finished the current job
  NEXT: 2, // next task index to take (Atomics.add)
  TOTAL: 3, // tasks in the job
  STOP: 4, // 1: workers exit
  WORKER_TASKS: 5, // tasks the workers took, all jobs together (a statistic: tests check the workers take part)
  PARAMS: 8, // aBase, bBase, cBase (bytes), mPanels, jBlocks, nPanels, kp, kc, ldc (bytes), aBatch, bBatch, cBatch (bytes), accumulate
} as const;
export const CTRL_BYTES = 256;
/** B panels per task: one task is one A panel against up to this many B panels (128 columns of C). */
export const TASK_PANELS = 16;

// The task loop, as JavaScript source so the same text runs in the workers (eval'd: no file to resolve from
// ESM, CJS or jest) and on the calling thread (new Function). A task's result depends only on its index,
// never on which thread takes it, so C is bit-identical for every thread count.
export const TILE_LOOP_SOURCE = `
function runTiles(I, tile, counter) {
  const P = ${CTRL.PARAMS};
  const aBase = I[P], bBase = I[P + 1], cBase = I[P + 2], mPanels = I[P + 3], jBlocks = I[P + 4], nPanels = I[P + 5];
  const kp = I[P + 6], kc = I[P + 7], ldc = I[P + 8], aBatch = I[P + 9], bBatch = I[P + 10], cBatch = I[P + 11], accum = I[P + 12];
  const total = I[${CTRL.TOTAL}], perBatch = mPanels * jBlocks;
  const aPanel = ${GEMM_MR * 4} * kp, bPanel = ${GEMM_NR * 4} * kp;
  for (;;) {
    const t = Atomics.add(I, ${CTRL.NEXT}, 1);
    if (t >= total) return;
    if (counter) Atomics.add(I, counter, 1);
    const b = (t / perBatch) | 0, r = t - b * perBatch, ip = (r / jBlocks) | 0, j0 = (r - ip * jBlocks) * ${TASK_PANELS};
    const j1 = Math.min(nPanels, j0 + ${TASK_PANELS});
    const ap = aBase + b * aBatch + ip * aPanel, bp = bBase + b * bBatch, cp = cBase + b * cBatch + ip * ${GEMM_MR} * ldc;
    for (let k0 = 0; k0 < kp; k0 += kc) {
      const kl = Math.min(kc, kp - k0), acc = k0 > 0 ? 1 : accum;
      for (let jp = j0; jp < j1; jp++) tile(ap + k0 * ${GEMM_MR * 4}, bp + jp * bPanel + k0 * ${GEMM_NR * 4}, cp + jp * ${GEMM_NR * 4}, kl, ldc, acc);
    }
  }
}
`;

export const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${TILE_LOOP_SOURCE}
const { module, memory } = workerData;
const tile = new WebAssembly.Instance(module, { env: { memory } }).exports.tile;
const I = new Int32Array(memory.buffer, 0, ${CTRL_BYTES / 4});
let seen = Atomics.load(I, ${CTRL.GEN});
parentPort.postMessage('ready');
for (;;) {
  Atomics.wait(I, ${CTRL.GEN}, seen);
  seen = Atomics.load(I, ${CTRL.GEN});
  if (Atomics.load(I, ${CTRL.STOP}) === 1) break;
  runTiles(I, tile, ${CTRL.WORKER_TASKS});
  Atomics.add(I, ${CTRL.DONE}, 1);
  Atomics.notify(I, ${CTRL.DONE});
}
`;
