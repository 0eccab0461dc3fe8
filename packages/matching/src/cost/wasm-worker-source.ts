// The kernel driver, as JavaScript source, so that the same text runs in worker threads (eval'd; no
// file to resolve from ESM, CJS or jest) and, through `new Function`, on the main thread for small jobs.
// A task computes C rows [p0*MR, p1*MR) of one chunk: k blocks outermost (the x panel slice stays in L1),
// then z blocks (one block of z panels stays in L2), then the gemm export sweeps x panels x z panels.
export const RUN_TASK_SOURCE = `
function runTask(ex, t) {
  const gemm = t.f64 ? ex.gemm_f64 : ex.gemm_f32;
  const finalize = t.f64 ? ex.finalize_f64 : ex.finalize_f32;
  const xStep = t.mr * t.lanes * t.bytes, zStep = t.nr * t.lanes * t.bytes;
  const cRow0 = t.cBase + (t.p0 - t.chunkPanel0) * t.mr * t.ldcB;
  for (let k0 = 0; k0 < t.kcTotal; k0 += t.kcBlock) {
    const kc = Math.min(t.kcBlock, t.kcTotal - k0);
    for (let j0 = 0; j0 < t.nzPanels; j0 += t.zBlockPanels) {
      const npz = Math.min(t.zBlockPanels, t.nzPanels - j0);
      // Calls over groups of 32 x panels: many short calls let V8 tier the kernel up to optimised code
      // early (it swaps code between calls, not inside one).
      for (let g = t.p0; g < t.p1; g += 32) {
        const np = Math.min(32, t.p1 - g);
        gemm(t.xBase + g * t.xs + k0 * xStep, t.zBase + j0 * t.zs + k0 * zStep,
          cRow0 + (g - t.p0) * t.mr * t.ldcB + j0 * t.nr * t.bytes, np, npz, kc, t.ldcB, t.xs, t.zs, k0 > 0 ? 1 : 0);
      }
    }
  }
  finalize(cRow0, t.nxBase + t.p0 * t.mr * t.bytes, t.nzBase, (t.p1 - t.p0) * t.mr, t.colsP, t.ldcB);
}
`;

export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
${RUN_TASK_SOURCE}
let mod = null;
parentPort.on('message', (msg) => {
  try {
    if (msg.module) mod = msg.module;
    const inst = new WebAssembly.Instance(mod, { env: { memory: msg.memory } });
    for (const t of msg.tasks) runTask(inst.exports, t);
    parentPort.postMessage({ id: msg.id, ok: true });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, ok: false, error: String((e && e.stack) || e) });
  }
});
`;
