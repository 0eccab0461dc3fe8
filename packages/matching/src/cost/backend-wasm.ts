import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { CostBackend, PreparedCostInput } from './types';
import { WASM_KERNEL_RELAXED, WASM_KERNEL_SIMD, WASM_TILE } from './wasm-kernel-binary';
import { RUN_TASK_SOURCE, WORKER_SOURCE } from './wasm-worker-source';
import { getWasmApi, type WasmExports, type WasmMemory, type WasmModule } from './wasm-api';

// WebAssembly SIMD128 backend: a 4 x 3 register-tiled dot-product microkernel (wasm/generate-wat.mjs)
// over centred, packed panels in one shared WebAssembly.Memory, split by rows over worker_threads.
// The cost matrix is produced in row chunks of at most CHUNK_BYTES and copied out, so the wasm memory
// holds the packed inputs plus one chunk, never the whole matrix.

const CHUNK_BYTES = 64 * 1024 * 1024;
export const Z_BLOCK_BYTES = 1024 * 1024; // one block of z panels, kept in L2 while x panels sweep it
export const KC_ELEMS = 1024; // coordinates per k block (4 x 1024 float32 = one 16 KB x panel slice in L1)
const SMALL_FLOPS = 2e7; // below this, threads cost more than they save
export const WASM_PAGE = 65536;
export const MAX_PAGES = 65536; // wasm32: 4 GiB

export interface Kernel {
  module: WasmModule;
  variant: string;
}
export interface TaskMsg {
  f64: boolean;
  mr: number;
  nr: number;
  lanes: number;
  bytes: number;
  xBase: number;
  zBase: number;
  cBase: number;
  nxBase: number;
  nzBase: number;
  p0: number;
  p1: number;
  chunkPanel0: number;
  nzPanels: number;
  kcTotal: number;
  kcBlock: number;
  zBlockPanels: number;
  ldcB: number;
  xs: number;
  zs: number;
  colsP: number;
}
type RunTask = (exports: WasmExports, t: TaskMsg) => void;

let kernelPromise: Promise<Kernel> | null = null;

/** Relaxed SIMD (fused multiply-add) ships in Node 22; on Node 20 it sits behind a V8 flag that can be
 * turned on before compiling. FLOW_COST_NO_RELAXED_SIMD=1 keeps the process's flags untouched. */
export function loadKernel(): Promise<Kernel> {
  kernelPromise ??= (async () => {
    const WebAssembly = getWasmApi();
    if (!WebAssembly) throw new Error('WebAssembly is not available');
    const simd = Buffer.from(WASM_KERNEL_SIMD, 'base64');
    if (!WebAssembly.validate(simd)) throw new Error('this runtime lacks WebAssembly SIMD128 or threads (shared memory)');
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const relaxed = Buffer.from(WASM_KERNEL_RELAXED, 'base64');
    let relaxedOk = WebAssembly.validate(relaxed);
    if (!relaxedOk && process.env.FLOW_COST_NO_RELAXED_SIMD !== '1') {
      try {
        setFlagsFromString('--experimental-wasm-relaxed-simd');
        relaxedOk = WebAssembly.validate(relaxed);
      } catch {
        relaxedOk = false;
      }
    }
    if (relaxedOk && process.env.FLOW_COST_NO_RELAXED_SIMD !== '1') return { module: new WebAssembly.Module(relaxed), variant: 'relaxed-SIMD FMA' };
    return { module: new WebAssembly.Module(simd), variant: 'SIMD128' };
  })();
  kernelPromise.catch(() => undefined);
  return kernelPromise;
}

export interface PoolWorker {
  worker: Worker;
  hasModule: boolean;
  busy: number;
}
let pool: PoolWorker[] = [];
let nextId = 1;
const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void; w: PoolWorker }>();

export function getWorkers(n: number): PoolWorker[] {
  while (pool.length < n) {
    // The worker text is CommonJS; `--input-type=module` in the parent's flags would make it ESM.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv });
    const pw: PoolWorker = { worker, hasModule: false, busy: 0 };
    worker.unref();
    worker.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (--pw.busy === 0) worker.unref();
      if (m.ok) p.resolve();
      else p.reject(new Error(`wasm cost worker failed: ${m.error}`));
    });
    worker.on('error', (e) => dropWorker(pw, e));
    worker.on('exit', (code) => dropWorker(pw, new Error(`wasm cost worker exited with code ${code}`)));
    pool.push(pw);
  }
  return pool.slice(0, n);
}

function dropWorker(pw: PoolWorker, e: Error): void {
  pool = pool.filter((w) => w !== pw);
  for (const [id, p] of pending) {
    if (p.w === pw) {
      pending.delete(id);
      p.reject(e);
    }
  }
}

export function runOn(pw: PoolWorker, kernel: Kernel, memory: WasmMemory, tasks: TaskMsg[]): Promise<void> {
  const id = nextId++;
  return new Promise<void>((resolve, reject) => {
    pending.set(id, { resolve, reject, w: pw });
    if (pw.busy++ === 0) pw.worker.ref();
    pw.worker.postMessage({ id, memory, tasks, module: pw.hasModule ? undefined : kernel.module });
    pw.hasModule = true;
  });
}

let mainRunTask: RunTask | null = null;
export function runTaskHere(kernel: Kernel, memory: WasmMemory, tasks: TaskMsg[]): void {
  mainRunTask ??= new Function(`${RUN_TASK_SOURCE}\nreturn runTask;`)() as RunTask;
  const inst = new (getWasmApi() as NonNullable<ReturnType<typeof getWasmApi>>).Instance(kernel.module, { env: { memory } });
  for (const t of tasks) mainRunTask(inst.exports, t);
}

export const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;

interface Layout {
  f64: boolean;
  lanes: number;
  bytes: number;
  dp: number;
  rowsP: number;
  colsP: number;
  xBase: number;
  zBase: number;
  nxBase: number;
  nzBase: number;
  cBase: number;
  chunkRows: number;
  totalBytes: number;
}

function layout(rows: number, cols: number, dim: number, f64: boolean): Layout {
  const { mr, nr, unroll } = WASM_TILE;
  const lanes = f64 ? 2 : 4;
  const bytes = f64 ? 8 : 4;
  const dp = roundUp(dim, lanes * unroll);
  const rowsP = roundUp(rows, mr);
  const colsP = roundUp(cols, nr * lanes); // whole z panels and whole vectors for finalize
  const xBase = 0;
  const zBase = xBase + rowsP * dp * bytes;
  const nxBase = zBase + colsP * dp * bytes;
  const nzBase = nxBase + rowsP * bytes;
  const cBase = roundUp(nzBase + colsP * bytes, 64);
  const chunkRows = Math.min(rowsP, Math.max(mr, Math.floor(CHUNK_BYTES / (colsP * bytes) / mr) * mr));
  return { f64, lanes, bytes, dp, rowsP, colsP, xBase, zBase, nxBase, nzBase, cBase, chunkRows, totalBytes: cBase + chunkRows * colsP * bytes };
}

/** Why the wasm backend cannot take this input (wasm32 memory), or null. */
export function wasmUnsupportedReason(rows: number, cols: number, dim: number, f64: boolean): string | null {
  const l = layout(rows, cols, dim, f64);
  if (l.totalBytes > MAX_PAGES * WASM_PAGE) {
    return `packed inputs need ${(l.totalBytes / 2 ** 30).toFixed(2)} GiB, more than wasm32's 4 GiB memory`;
  }
  return null;
}

// Centres (subtracting the common mean), rounds to the kernel precision and packs one set into panels of
// `rowsPerPanel` rows; norms are those of the rounded values, so that |x|^2 + |z|^2 - 2 x.z uses one
// consistent set of numbers.
export function pack(
  src: Float32Array | Float64Array,
  n: number,
  dim: number,
  mean: Float64Array,
  dst: Float32Array | Float64Array,
  norms: Float32Array | Float64Array,
  rowsPerPanel: number,
  dp: number,
  lanes: number,
): void {
  const chunkStride = rowsPerPanel * lanes;
  for (let i = 0; i < n; i++) {
    const panel = (i / rowsPerPanel) | 0;
    const a = i - panel * rowsPerPanel;
    const base = panel * rowsPerPanel * dp + a * lanes;
    const off = i * dim;
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const c = (k / lanes) | 0;
      const o = base + c * chunkStride + (k - c * lanes);
      dst[o] = src[off + k] - mean[k];
      const v = dst[o];
      s += v * v;
    }
    norms[i] = s;
  }
}

export async function computeWasm(input: PreparedCostInput, out: Float32Array | Float64Array, workers: number): Promise<string> {
  const kernel = await loadKernel();
  const { rows, cols, dim, mean } = input;
  const f64 = input.precision === 'float64';
  const l = layout(rows, cols, dim, f64);
  const unsupported = wasmUnsupportedReason(rows, cols, dim, f64);
  if (unsupported) throw new Error(`wasm backend: ${unsupported}`);
  const { mr, nr } = WASM_TILE;
  const pages = Math.ceil(l.totalBytes / WASM_PAGE);
  const memory = new (getWasmApi() as NonNullable<ReturnType<typeof getWasmApi>>).Memory({ initial: pages, maximum: pages, shared: true });
  const Arr = f64 ? Float64Array : Float32Array;
  const buf = memory.buffer;
  pack(input.x, rows, dim, mean, new Arr(buf, l.xBase, l.rowsP * l.dp), new Arr(buf, l.nxBase, l.rowsP), mr, l.dp, l.lanes);
  pack(input.z, cols, dim, mean, new Arr(buf, l.zBase, l.colsP * l.dp), new Arr(buf, l.nzBase, l.colsP), nr, l.dp, l.lanes);

  const kcTotal = l.dp / l.lanes;
  const kcBlock = Math.min(kcTotal, Math.floor(KC_ELEMS / (f64 ? 2 : 1) / l.lanes / WASM_TILE.unroll) * WASM_TILE.unroll);
  const common = {
    f64,
    mr,
    nr,
    lanes: l.lanes,
    bytes: l.bytes,
    xBase: l.xBase,
    zBase: l.zBase,
    cBase: l.cBase,
    nxBase: l.nxBase,
    nzBase: l.nzBase,
    nzPanels: l.colsP / nr,
    kcTotal,
    kcBlock,
    zBlockPanels: Math.max(1, Math.floor(Z_BLOCK_BYTES / (nr * kcBlock * l.lanes * l.bytes))),
    ldcB: l.colsP * l.bytes,
    xs: mr * l.dp * l.bytes,
    zs: nr * l.dp * l.bytes,
    colsP: l.colsP,
  };
  const flops = 2 * rows * cols * dim;
  const nWorkers = flops < SMALL_FLOPS ? 0 : Math.max(0, Math.min(workers, 64));
  const team = nWorkers > 0 ? getWorkers(nWorkers) : [];
  const cView = new Arr(buf, l.cBase, l.chunkRows * l.colsP);
  for (let r0 = 0; r0 < rows; r0 += l.chunkRows) {
    const chunkPanel0 = r0 / mr;
    const panelEnd = Math.min(l.rowsP, r0 + l.chunkRows) / mr;
    const nPanels = panelEnd - chunkPanel0;
    if (team.length === 0) {
      runTaskHere(kernel, memory, [{ ...common, p0: chunkPanel0, p1: panelEnd, chunkPanel0 }]);
    } else {
      const jobs: Promise<void>[] = [];
      for (let w = 0; w < team.length; w++) {
        const p0 = chunkPanel0 + Math.floor((nPanels * w) / team.length);
        const p1 = chunkPanel0 + Math.floor((nPanels * (w + 1)) / team.length);
        if (p1 > p0) jobs.push(runOn(team[w], kernel, memory, [{ ...common, p0, p1, chunkPanel0 }]));
      }
      await Promise.all(jobs);
    }
    const rEnd = Math.min(rows, r0 + l.chunkRows);
    if (l.colsP === cols) out.set(cView.subarray(0, (rEnd - r0) * cols), r0 * cols);
    else for (let r = r0; r < rEnd; r++) out.set(cView.subarray((r - r0) * l.colsP, (r - r0) * l.colsP + cols), r * cols);
  }
  return `${kernel.variant}, ${team.length === 0 ? 'main thread' : `${team.length} worker thread${team.length > 1 ? 's' : ''}`}`;
}

/** Every core: the cost matrix of the exact coupling and DANSM's distances run on all of them. */
export function defaultWasmWorkers(): number {
  return Math.max(1, availableParallelism());
}

export const wasmBackend: CostBackend = {
  name: 'wasm',
  precisions: ['float32', 'float64'],
  check: async () => {
    try {
      const k = await loadKernel();
      return { available: true, reason: `WebAssembly ${k.variant} kernel, worker_threads over ${defaultWasmWorkers()} cores` };
    } catch (e) {
      return { available: false, reason: (e as Error).message };
    }
  },
  unsupported: (input) => wasmUnsupportedReason(input.rows, input.cols, input.dim, input.precision === 'float64'),
  compute: (input, out, workers) => computeWasm(input, out, workers),
};
