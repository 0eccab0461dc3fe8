import { Worker } from 'node:worker_threads';
import { GEMM_MAX_PAGES, GEMM_MR, GEMM_NR, gemmModuleBytes } from './gemm-module';
import { sharedHeapMemory, type WasmHeap } from './shared-heap';
import { CLOSED_BIT, CTRL, CTRL_BYTES, CTRL_F64_AT, CTRL_F64_SLOTS, JOB, MAX_JOB_PARAMS, SPLIT_KERNELS, TASK_PANELS, TILE_LOOP_SOURCE, WORKER_SOURCE, type SplitKernel } from './tile-loop-source';
import { validatesRelaxed, webAssembly, type CompiledModule, type SharedMemory } from './wasm-global';

const PAGE = 65536;
/** k steps per block: an A panel slice (4 x 256 floats, 4 KiB) stays in L1 while it sweeps the task's B panels. */
const KC = 256;
/** Below this many flops a GEMM runs on the calling thread alone: waking the workers costs more than it saves. */
let wakeFlops = 4e6;
/**
 * How long the calling thread polls for the workers to finish a job before it sleeps (ms): alternated in one
 * process on 2 threads, mnist-fast passes were 3-8% faster with 0.5-3 ms than with none.
 */
const DONE_SPIN_MS = 0.5;
/** Below this many floats an elementwise call or an image copy stays on the calling thread: waking the workers (~50-100 us) costs more. */
export const SPLIT_MIN_ELEMENTS = 1 << 16;

/** Sets the flops from which a GEMM wakes the workers; returns the previous value. Tests use 0 to thread small problems. */
export function setWakeFlops(flops: number): number {
  const prev = wakeFlops;
  wakeFlops = flops;
  return prev;
}

/** Where one (batched) GEMM's packed operands and result live in the shared memory, in float32 indices. */
export interface GemmLayout {
  batch: number;
  m: number;
  n: number;
  k: number;
  mPanels: number;
  nPanels: number;
  /** Depth of the packed panels (k). */
  kp: number;
  a: number;
  b: number;
  c: number;
  aBatch: number;
  bBatch: number;
  cBatch: number;
  /** Row stride of C (floats): nPanels * GEMM_NR. */
  ldc: number;
}

type Tile = (...args: number[]) => void;
type RunTiles = (ctrl: Int32Array, tile: Tile, counter: number | undefined, ew: Record<string, unknown> | undefined, slot: number) => void;

/** An argument of a split elementwise call: an int (byte offset or count) advancing `bytes` per unit (per `per` units), or a float. */
export type SplitArg = number | { at: number; bytes: number; per?: number } | { float: number };

/**
 * The threaded wasm GEMM: one shared WebAssembly.Memory, the microkernel instantiated on it by the calling
 * thread and by `threads - 1` worker threads that sleep on an Atomics word between jobs. `run` is synchronous
 * (tfjs kernels are): the caller packs operands into the memory, wakes the workers, takes tasks itself, and
 * waits (Atomics.wait) until every worker has finished. On tfjs's heap made shared (shared-heap.ts) the pool
 * keeps its control block and scratch in blocks from tfjs's allocator, and kernels read and write tensors in
 * place where the layouts allow (`sharesHeapWith`); otherwise it owns its memory and operands are copied.
 */
export class GemmPool {
  readonly threads: number;
  readonly variant: string;
  private readonly memory: SharedMemory;
  private readonly ctrl: Int32Array;
  private readonly tile: Tile;
  private readonly runTiles: RunTiles;
  private workers: Worker[] = [];
  private ready: Promise<void>;
  /** True once every worker sleeps on GEN: only then do jobs wake them (a worker counted before would hang the barrier). */
  private live = false;
  private view: Float32Array;
  /** tfjs's shared heap the pool lives on, else undefined (its own memory). */
  readonly heap: WasmHeap | undefined;
  /** Byte offset of the control block, and of the heap blocks the pool took (freed on close). */
  private readonly ctrlAt: number;
  private ctrlBlock = 0;
  private scratchBlock = 0;
  private scratchBytes = 0;

  /** The elementwise kernels on the heap, for split calls (undefined off the heap). */
  private readonly ew: Record<string, unknown> | undefined;

  constructor(threads: number, heap?: WasmHeap, elementwise?: CompiledModule) {
    const WA = webAssembly();
    const { module, variant } = compileGemm();
    this.variant = variant;
    this.heap = heap;
    this.memory = heap?.memory ?? new WA.Memory({ initial: 16, maximum: GEMM_MAX_PAGES, shared: true });
    if (heap) {
      this.ctrlBlock = heap.malloc(CTRL_BYTES + 64);
      if (this.ctrlBlock === 0) throw new Error('wasm GEMM: the heap has no room for the control block');
      this.ctrlAt = roundUp(this.ctrlBlock, 64);
    } else this.ctrlAt = 0;
    this.view = new Float32Array(this.memory.buffer);
    this.ctrl = new Int32Array(this.memory.buffer, this.ctrlAt, CTRL_BYTES / 4);
    this.ctrl.fill(0);
    this.tile = new WA.Instance(module, { env: { memory: this.memory } }).exports.tile as Tile;
    this.ew = heap && elementwise ? new WA.Instance(elementwise, { env: { memory: this.memory } }).exports : undefined;
    this.runTiles = new Function(`${TILE_LOOP_SOURCE}\nreturn runTiles;`)() as RunTiles;
    const starts: Promise<void>[] = [];
    for (let i = 1; i < threads; i++) {
      // The worker text is CommonJS; `--input-type=module` among the parent's flags would make it ESM.
      const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
      const w = new Worker(WORKER_SOURCE, { eval: true, execArgv, workerData: { module, memory: this.memory, ctrl: this.ctrlAt, elementwise: this.ew ? elementwise : undefined, slot: i } });
      w.unref();
      starts.push(new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      }));
      this.workers.push(w);
    }
    this.threads = threads;
    this.ready = Promise.all(starts).then(() => {
      this.live = true;
    });
    this.ready.catch(() => undefined);
  }

  /** Resolves when every worker has instantiated the kernel (jobs before then run on the calling thread). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /**
   * Places regions of the given sizes (floats) one after another in the shared memory, each 64-byte aligned
   * and followed by 1 KiB of slack (kernels may read a little past a region into results they discard),
   * growing the memory as needed. Returns their float offsets; earlier placements are invalidated.
   */
  regions(sizes: readonly number[]): number[] {
    const offsets: number[] = [];
    let at = 0;
    for (const size of sizes) {
      offsets.push(at);
      at += Math.ceil((size + 256) / 16) * 16;
    }
    const bytes = at * 4;
    if (bytes + CTRL_BYTES > GEMM_MAX_PAGES * PAGE) throw new Error(`wasm GEMM: ${(bytes / 2 ** 30).toFixed(2)} GiB of operands exceed the 2 GiB shared memory`);
    let base: number;
    if (this.heap) {
      if (bytes > this.scratchBytes) {
        if (this.scratchBlock !== 0) this.heap.free(this.scratchBlock);
        // A quarter more than asked, so a slowly growing sequence of jobs does not reallocate every time.
        const want = Math.ceil((bytes * 1.25) / 64) * 64;
        this.scratchBlock = this.heap.malloc(want + 64);
        this.scratchBytes = this.scratchBlock === 0 ? 0 : want;
        if (this.scratchBlock === 0) throw new Error(`wasm GEMM: no room on the wasm heap for ${(bytes / 2 ** 20).toFixed(0)} MiB of operands (the shared heap holds at most 2 GiB; FLOW_WASM_SHARED_HEAP=0 keeps tfjs's own heap, up to 4 GiB)`);
      }
      base = roundUp(this.scratchBlock, 64) / 4;
    } else {
      base = CTRL_BYTES / 4;
      const have = this.memory.buffer.byteLength;
      if (bytes + CTRL_BYTES > have) this.memory.grow(Math.ceil((bytes + CTRL_BYTES - have) / PAGE));
    }
    return offsets.map((o) => o + base);
  }

  /** Whether the pool lives on this tfjs backend's heap, so kernels may hand it tensors' own offsets. */
  sharesHeapWith(backend: unknown): boolean {
    return this.heap !== undefined && sharedHeapMemory(backend) === this.memory;
  }

  /** Lays out a batched GEMM C[b] (m x n) = A[b] (m x k) . B[b] (k x n) with packed operands (pack-panels.ts). */
  layout(batch: number, m: number, n: number, k: number): GemmLayout {
    const mPanels = Math.ceil(m / GEMM_MR);
    const nPanels = Math.ceil(n / GEMM_NR);
    const kp = k;
    const aBatch = mPanels * GEMM_MR * kp;
    const bBatch = nPanels * GEMM_NR * kp;
    const ldc = nPanels * GEMM_NR;
    const cBatch = mPanels * GEMM_MR * ldc;
    const [a, b, c] = this.regions([batch * aBatch, batch * bBatch, batch * cBatch]);
    return { batch, m, n, k, mPanels, nPanels, kp, a, b, c, aBatch, bBatch, cBatch, ldc };
  }

  /** A float32 view of the whole memory (take it after `layout`: growth replaces the buffer). */
  floats(): Float32Array {
    if (this.view.buffer.byteLength !== this.memory.buffer.byteLength) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /**
   * Runs the GEMM laid out by `layout`; `accumulate` adds to C instead of overwriting it. The operands are
   * packed panels (pack-panels.ts) unless `strides` (bytes) say otherwise: A row r, step k at
   * a + r*aRow + k*aStep, row panels aPanel apart; B step k at b + k*bStep, column panels bPanel apart.
   */
  run(l: GemmLayout, accumulate = false, strides?: { aRow: number; aStep: number; aPanel: number; bStep: number; bPanel: number }): void {
    const jBlocks = Math.ceil(l.nPanels / TASK_PANELS);
    const st = strides ?? { aRow: 4, aStep: GEMM_MR * 4, aPanel: GEMM_MR * 4 * l.kp, bStep: GEMM_NR * 4, bPanel: GEMM_NR * 4 * l.kp };
    // Row panels per task: ~0.5 MFLOP of work (one panel of a product with k = 64 and 32 columns is 16 KFLOP,
    // and taking a task is a contended atomic add), while leaving ~64 tasks a job to balance the threads.
    const perPanel = 2 * GEMM_MR * l.kp * Math.min(l.nPanels * GEMM_NR, TASK_PANELS * GEMM_NR);
    const group = Math.max(1, Math.min(l.mPanels, Math.ceil(5e5 / perPanel), Math.floor((l.batch * l.mPanels) / 64)));
    const params = [l.a * 4, l.b * 4, l.c * 4, l.mPanels, jBlocks, l.nPanels, l.kp, KC, l.ldc * 4, l.aBatch * 4, l.bBatch * 4, l.cBatch * 4, accumulate ? 1 : 0, st.aRow, st.aStep, st.aPanel, st.bStep, st.bPanel, group];
    this.runJob(JOB.PACKED, params, l.batch * Math.ceil(l.mPanels / group) * jBlocks, 2 * l.batch * l.m * l.n * l.k);
  }

  /** Whether jobs can call the elementwise kernels (the pool lives on tfjs's shared heap), on the calling thread alone or shared. */
  get hasElementwise(): boolean {
    return this.ew !== undefined;
  }

  /** Whether `split` can run elementwise kernels here (on tfjs's heap, with workers to share them). */
  get splits(): boolean {
    return this.ew !== undefined && this.workers.length > 0;
  }

  /**
   * Calls an elementwise kernel over `units` independent units (vectors, pixels or rows) in chunks that every
   * thread takes, `count` being the index of the argument that gets each chunk's length (-1: none, every call
   * takes one unit). Only where `splits`.
   */
  split(kernel: SplitKernel, args: readonly SplitArg[], count: number, units: number, chunk: number): void {
    if (!this.ew) throw new Error('wasm GEMM: split calls need the pool on tfjs\'s shared heap');
    if (count < 0 && chunk !== 1) throw new RangeError('wasm GEMM: a split call without a count argument takes one unit a task');
    const params = [SPLIT_KERNELS.indexOf(kernel), args.length, count, units, chunk, 0];
    // Float arguments travel as float64 (a kernel may take f64, so no float32 rounding) in the control block's slots.
    const slots = new Float64Array(this.ctrl.buffer, this.ctrl.byteOffset + CTRL_F64_AT, CTRL_F64_SLOTS);
    let used = 0;
    args.forEach((a, i) => {
      if (typeof a === 'number') params.push(a, 0, 1);
      else if ('float' in a) {
        if (used === CTRL_F64_SLOTS) throw new RangeError(`wasm GEMM: a split call takes at most ${CTRL_F64_SLOTS} float arguments`);
        params[5]! |= 1 << i;
        slots[used] = a.float;
        params.push(used++, 0, 1);
      } else params.push(a.at, a.bytes, a.per ?? 1);
    });
    this.runJob(JOB.SPLIT, params, Math.ceil(units / chunk), Infinity);
  }

  /**
   * Wakes the workers ahead of a job of `flops` that the caller is about to prepare (copies, packing), so that
   * their wake-up (~0.1 ms on a VM) overlaps that work: they poll for the job a short while, then sleep again.
   */
  prewake(flops: number): void {
    if (this.live && flops >= wakeFlops && this.workers.length > 0) Atomics.notify(this.ctrl, CTRL.GEN);
  }

  /** Runs `total` tasks of a job (tile-loop-source.ts: JOB and its parameters), on the workers too when it has `flops` enough. */
  runJob(mode: number, params: readonly number[], total: number, flops: number): void {
    const I = this.ctrl;
    if (params.length > MAX_JOB_PARAMS) throw new RangeError(`wasm GEMM: a job takes at most ${MAX_JOB_PARAMS} parameters, got ${params.length}`);
    I[CTRL.PARAMS] = mode;
    for (let i = 0; i < params.length; i++) I[CTRL.PARAMS + 1 + i] = params[i]!;
    I[CTRL.TOTAL] = total;
    Atomics.store(I, CTRL.NEXT, 0);
    if (!(this.live && flops >= wakeFlops && total > 1 && this.workers.length > 0)) {
      this.runTiles(I, this.tile, undefined, this.ew, 0);
      return;
    }
    Atomics.store(I, CTRL.DONE, 0);
    Atomics.store(I, CTRL.JOINED, 0);
    Atomics.add(I, CTRL.GEN, 1);
    Atomics.notify(I, CTRL.GEN);
    this.runTiles(I, this.tile, undefined, this.ew, 0);
    // Wait only for the workers that joined before we ran out of tasks: one still waking up (~0.1 ms on this
    // VM) would find none left, and waiting for it cost about that per job. Closing and counting is one atomic
    // step, so a worker either is counted (and reports DONE) or sees the bit and sits the job out.
    const joined = Atomics.or(I, CTRL.JOINED, CLOSED_BIT) & ~CLOSED_BIT;
    let done: number;
    // A worker joined late finishes soon after us: poll for it before sleeping, since waking this thread again
    // costs ~0.1 ms on a VM.
    if (Atomics.load(I, CTRL.DONE) < joined) {
      const until = performance.now() + DONE_SPIN_MS;
      for (let i = 1; Atomics.load(I, CTRL.DONE) < joined; i++) if ((i & 63) === 0 && performance.now() > until) break;
    }
    while ((done = Atomics.load(I, CTRL.DONE)) < joined) {
      if (Atomics.wait(I, CTRL.DONE, done, 60_000) === 'timed-out' && Atomics.load(I, CTRL.DONE) === done) {
        throw new Error(`wasm GEMM: ${joined - done} worker thread(s) did not finish within a minute`);
      }
    }
  }

  /** Tasks the worker threads have taken so far (the rest ran on the calling thread). */
  get workerTasks(): number {
    return Atomics.load(this.ctrl, CTRL.WORKER_TASKS);
  }

  /** Stops the workers (the pool cannot run jobs on them afterwards). */
  async close(): Promise<void> {
    this.live = false;
    Atomics.store(this.ctrl, CTRL.STOP, 1);
    Atomics.add(this.ctrl, CTRL.GEN, 1);
    Atomics.notify(this.ctrl, CTRL.GEN);
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
    if (this.heap) {
      if (this.scratchBlock !== 0) this.heap.free(this.scratchBlock);
      this.heap.free(this.ctrlBlock);
      this.scratchBlock = 0;
      this.scratchBytes = 0;
    }
  }
}

const roundUp = (v: number, m: number): number => Math.ceil(v / m) * m;

let compiled: { module: CompiledModule; variant: string } | undefined;

/** The microkernel with relaxed-SIMD fused multiply-adds where the runtime has them (validatesRelaxed), else SIMD128. */
export function compileGemm(): { module: CompiledModule; variant: string } {
  if (compiled) return compiled;
  const WA = webAssembly();
  const relaxed = gemmModuleBytes(true);
  const fma = validatesRelaxed(relaxed);
  const bytes = fma ? relaxed : gemmModuleBytes(false);
  if (!WA.validate(bytes)) throw new Error('this runtime lacks WebAssembly SIMD128 or threads (shared memory)');
  compiled = { module: new WA.Module(bytes), variant: fma ? 'relaxed-SIMD FMA' : 'SIMD128' };
  return compiled;
}
