import { GEMM_MR, GEMM_NR } from './wasm-threads/gemm-module';
import { compileGemm } from './wasm-threads/gemm-pool';
import { webAssembly } from './wasm-threads/wasm-global';

export interface MicrokernelGflops {
  /** 'relaxed-SIMD FMA' or 'SIMD128' (f32x4.mul + f32x4.add), as the wasm engine would run. */
  variant: string;
  /** Rows and columns of the block of C one call computes. */
  mr: number;
  nr: number;
  /** Steps (the reduction depth) per call. */
  k: number;
  /** Best time of one batch of `calls` calls, seconds. */
  seconds: number;
  calls: number;
  /** 2 mr nr k calls / seconds / 1e9. */
  gflops: number;
}

/**
 * Measures the wasm engine's GEMM microkernel alone on the calling thread: `k` steps of a GEMM_MR x GEMM_NR
 * block with both operand panels resident in L1, so no cache miss, copy or thread enters the figure: the
 * engine's ceiling on one core, to hold against the FMA peak (`flow-bench peak`) and the kernels' rates.
 * Each batch of calls takes about `seconds`; best of `rounds`. Checks the block against a float64 reference.
 */
export function measureMicrokernelGflops(opts: { k?: number; seconds?: number; rounds?: number } = {}): MicrokernelGflops {
  const k = opts.k ?? 256;
  const rounds = opts.rounds ?? 3;
  const WA = webAssembly();
  const { module, variant } = compileGemm();
  const memory = new WA.Memory({ initial: 2, maximum: 2, shared: true });
  const tile = new WA.Instance(module, { env: { memory } }).exports.tile as (...args: number[]) => void;
  const f = new Float32Array(memory.buffer);
  // A panel (k steps x MR rows), B panel (k x NR), C block (MR x NR): 64-byte aligned, 12 KiB at k = 256.
  const a = 16;
  const b = a + Math.ceil((k * GEMM_MR) / 16) * 16;
  const c = b + Math.ceil((k * GEMM_NR) / 16) * 16;
  if ((c + GEMM_MR * GEMM_NR) * 4 > f.byteLength) throw new RangeError(`measureMicrokernelGflops: k = ${k} does not fit the 128 KiB test memory`);
  for (let i = 0; i < k * GEMM_MR; i++) f[a + i] = ((i % 7) - 3) / 8;
  for (let i = 0; i < k * GEMM_NR; i++) f[b + i] = ((i % 5) - 2) / 4;
  const call = (): void => tile(a * 4, b * 4, c * 4, GEMM_NR * 4, 0, 4, 1, 0, 0, 1, 0, 0, k, GEMM_MR * 4, GEMM_NR * 4, 1, 0, 0, 1, 0, 0);
  // Warm up (V8 tiers wasm up between calls), then size a batch to take about `seconds`.
  for (let i = 0; i < 2000; i++) call();
  const t0 = performance.now();
  for (let i = 0; i < 2000; i++) call();
  const per = Math.max(1e-9, (performance.now() - t0) / 1000 / 2000);
  const calls = Math.max(1000, Math.round((opts.seconds ?? 0.3) / per));
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const s0 = performance.now();
    for (let i = 0; i < calls; i++) call();
    best = Math.min(best, (performance.now() - s0) / 1000);
  }
  for (let r = 0; r < GEMM_MR; r++) {
    for (let j = 0; j < GEMM_NR; j++) {
      let want = 0;
      for (let s = 0; s < k; s++) want += f[a + s * GEMM_MR + r]! * f[b + s * GEMM_NR + j]!;
      const got = f[c + r * GEMM_NR + j]!;
      if (Math.abs(got - want) > 1e-5 * (1 + Math.abs(want))) throw new Error(`measureMicrokernelGflops: C[${r}][${j}] = ${got}, expected ${want}`);
    }
  }
  return { variant, mr: GEMM_MR, nr: GEMM_NR, k, seconds: best, calls, gflops: (2 * GEMM_MR * GEMM_NR * k * calls) / best / 1e9 };
}
