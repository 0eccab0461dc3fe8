/**
 * C = A B^T for row-major float32 A (m x k) and B (n x k) into C (m x n): one sgemm of `@flow/native` (OpenBLAS on
 * every core, deterministic for any thread count: its work is cut by the problem, never by timing).
 */
export type NativeSgemmABt = (a: Float32Array, m: number, b: Float32Array, n: number, k: number, out: Float32Array) => void;

/** `@flow/native`'s DANSM pool pieces (from the version that added them): centring + norms, GEMM + distances, the greedy rule. */
export interface NativePoolPieces {
  centre(a: Float32Array, n: number, dim: number, computeMean: boolean, mean: Float64Array, out: Float32Array, norms: Float64Array): void;
  distances(x: Float32Array, rows: number, z: Float32Array, cols: number, dim: number, nx: Float64Array, nz: Float64Array, out: Float32Array): void;
  greedy(c: Float32Array, rows: number, ld: number, free: Int32Array, n: number, pick: Int32Array): number;
}

/** What loading the optional `@flow/native` gave: its sgemm (and pool pieces where present) and a note (kernel set, threads), or why not. */
export type NativeGemm = { sgemm: NativeSgemmABt; pool?: NativePoolPieces; note: string; reason?: undefined } | { sgemm?: undefined; pool?: undefined; reason: string };

/** The part of `@flow/native`'s API used here (a local type, so this package's types never name the optional one). */
interface NativeModule {
  isNativeAvailable(): boolean;
  nativeUnavailableReason(): string;
  nativeInfo(): { threads: number; blasCore: string };
  /** Present from the version that added it; older ones fall back to batchMatMul (row pieces, slower here). */
  matMulABt?(a: Float32Array, b: Float32Array, out: Float32Array, m: number, n: number, k: number): void;
  poolCentre?: NativePoolPieces['centre'];
  poolDistances?: NativePoolPieces['distances'];
  poolGreedy?: NativePoolPieces['greedy'];
  batchMatMul(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number, opts: { transposeB?: boolean; aIndex?: Int32Array; bIndex?: Int32Array }): void;
}

let loading: Promise<NativeGemm> | null = null;

function isModuleNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

/**
 * Loads `@flow/native` (an optional peer dependency) once, on first use: this package works alone, and picks the
 * native GEMM up where the user installed it and its addon built.
 */
export function loadNativeGemm(): Promise<NativeGemm> {
  loading ??= (import('@flow/native') as Promise<NativeModule>).then(
    (m): NativeGemm => {
      if (!m.isNativeAvailable()) return { reason: `@flow/native has no addon here: ${m.nativeUnavailableReason()}` };
      const zero = new Int32Array(1);
      const opts = { transposeB: true, aIndex: zero, bIndex: zero };
      const info = m.nativeInfo();
      const abt = m.matMulABt;
      const { poolCentre, poolDistances, poolGreedy } = m;
      return {
        pool: poolCentre && poolDistances && poolGreedy ? { centre: poolCentre, distances: poolDistances, greedy: poolGreedy } : undefined,
        sgemm: abt ? (a, rows, b, cols, k, out) => abt(a, b, out, rows, cols, k) : (a, rows, b, cols, k, out) => m.batchMatMul(a, b, out, 1, rows, cols, k, opts),
        note: `OpenBLAS sgemm (${info.blasCore}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`,
      };
    },
    (e: unknown): NativeGemm => ({
      reason: isModuleNotFound(e) ? 'the optional package @flow/native is not installed' : `loading @flow/native failed: ${e instanceof Error ? e.message : String(e)}`,
    }),
  );
  return loading;
}
