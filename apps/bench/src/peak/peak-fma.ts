import { cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { PEAK_KERNEL_RELAXED, PEAK_KERNEL_SIMD, PEAK_SHAPE } from './peak-kernel-binary';

// The slice of the WebAssembly JS API used here (the workspace's TypeScript lib has no WebAssembly global).
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object) => { exports: { peak(n: number): number } };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (): Wasm => (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

export type PeakVariant = 'relaxed-SIMD FMA' | 'SIMD mul+add';

export interface PeakResult {
  variant: PeakVariant;
  threads: number;
  gflops: number;
  gflopsPerThread: number;
  seconds: number;
}

/** FLOPs of one `peak(n)` call: chains x unroll x 4 lanes x 2 (a multiply and an add) per iteration. */
export const peakFlops = (n: number): number => n * PEAK_SHAPE.chains * PEAK_SHAPE.unroll * PEAK_SHAPE.lanes * 2;

/**
 * The variants this runtime can run: plain SIMD always (when SIMD128 validates), relaxed SIMD when it validates,
 * on Node 20 after turning on V8's --experimental-wasm-relaxed-simd (process-wide, so the workers have it too).
 */
export function peakVariants(): { variant: PeakVariant; module: object }[] {
  const W = wasm();
  const out: { variant: PeakVariant; module: object }[] = [];
  const relaxed = Buffer.from(PEAK_KERNEL_RELAXED, 'base64');
  let ok = W.validate(relaxed);
  if (!ok) {
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      ok = W.validate(relaxed);
    } catch {
      ok = false;
    }
  }
  if (ok) out.push({ variant: 'relaxed-SIMD FMA', module: new W.Module(relaxed) });
  const simd = Buffer.from(PEAK_KERNEL_SIMD, 'base64');
  if (W.validate(simd)) out.push({ variant: 'SIMD mul+add', module: new W.Module(simd) });
  return out;
}

// A worker instantiates the module, warms it up (V8 tiers wasm up between calls), says ready, then runs
// peak(n) on each 'go' and reports its start and end on the shared clock (timeOrigin + now).
const WORKER = `
const { parentPort } = require('node:worker_threads');
let inst = null;
parentPort.on('message', (m) => {
  if (m.module) {
    inst = new WebAssembly.Instance(m.module);
    for (let i = 0; i < 5; i++) inst.exports.peak(20000);
    parentPort.postMessage({ ready: true });
    return;
  }
  const t0 = performance.timeOrigin + performance.now();
  const v = inst.exports.peak(m.n);
  const t1 = performance.timeOrigin + performance.now();
  parentPort.postMessage({ t0, t1, v });
});
`;

interface Done {
  t0: number;
  t1: number;
}

function once<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    w.once('error', onError);
    w.once('message', (m: T) => {
      w.off('error', onError);
      resolve(m);
    });
  });
}

/**
 * Peak GFLOP/s of `module` on `threads` worker threads at once: every worker runs the same `peak(n)`, the rate is
 * all their FLOPs over the span from the first start to the last end; best of `rounds`. `n` is calibrated so a
 * call takes about `seconds`.
 */
export async function measurePeak(variant: PeakVariant, module: object, threads: number, seconds = 0.5, rounds = 3): Promise<PeakResult> {
  // Calibrate on this thread: iterations per second of one core.
  const inst = new (wasm().Instance)(module);
  for (let i = 0; i < 5; i++) inst.exports.peak(20000);
  const c0 = performance.now();
  inst.exports.peak(200000);
  const perSecond = 200000 / Math.max(1e-6, (performance.now() - c0) / 1000);
  const n = Math.max(1000, Math.round(perSecond * seconds));
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, execArgv }));
  try {
    await Promise.all(workers.map((w) => (w.postMessage({ module }), once(w))));
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const done = await Promise.all(workers.map((w) => (w.postMessage({ n }), once<Done>(w))));
      best = Math.min(best, (Math.max(...done.map((d) => d.t1)) - Math.min(...done.map((d) => d.t0))) / 1000);
    }
    const gflops = (threads * peakFlops(n)) / best / 1e9;
    return { variant, threads, gflops, gflopsPerThread: gflops / threads, seconds: best };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Thread counts to measure: 1 and every core (once when they are the same). */
export function peakThreadCounts(all = cpus().length): number[] {
  return all > 1 ? [1, all] : [1];
}
