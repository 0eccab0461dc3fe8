/** Backend names accepted by `computeCostMatrix`. `auto` picks the fastest one present. */
export type CostBackendName = 'auto' | 'cpu' | 'native' | 'wasm' | 'webgpu' | 'gpujs' | 'gpujs-webgpu' | 'gpujs-webasm' | 'gpujs-cpu';

/** Element precision of the result (and of the arithmetic on the wasm and cpu backends). */
export type CostPrecision = 'float32' | 'float64';

export interface CostMatrixOptions {
  /** Which backend computes the matrix (default `auto`). */
  backend?: CostBackendName;
  /** `float32` (default: half the memory, fastest) or `float64`. */
  precision?: CostPrecision;
  /** Worker threads for the wasm backend (default: every available core). */
  workers?: number;
  /** Check every input value for NaN/Inf and name the first bad row (default true). */
  validate?: boolean;
  /** Memory budget in bytes for the matrix (default: what the machine has available, see @flow/io memoryBudget). */
  memoryLimitBytes?: number;
}

export interface CostMatrixResult {
  /** Row-major `rows x cols`: `cost[i * cols + j] = |x_i - z_j|^2`. */
  cost: Float32Array | Float64Array;
  rows: number;
  cols: number;
  /** The backend that ran, e.g. `wasm` (with its variant in `reason`). */
  backend: string;
  /** Why this backend ran (the choice `auto` made, or `requested`). */
  reason: string;
  /** Wall-clock seconds of the computation. */
  seconds: number;
}

export interface CostBackendInfo {
  name: string;
  available: boolean;
  reason: string;
  /** A WebGPU backend running on a software adapter (figures from it are not GPU figures). */
  software?: boolean;
}

/** Inputs after validation and centring, shared by every backend. */
export interface PreparedCostInput {
  x: Float32Array | Float64Array;
  z: Float32Array | Float64Array;
  rows: number;
  cols: number;
  dim: number;
  /** Common mean of both sets (float64), subtracted by the backends while they pack. */
  mean: Float64Array;
  precision: CostPrecision;
}

/** One backend of the registry. */
export interface CostBackend {
  readonly name: Exclude<CostBackendName, 'auto' | 'gpujs'>;
  /**
   * Resolves whether the backend can run here, and why (not). Cached by the registry. `software` marks a
   * WebGPU adapter that is a CPU rasteriser: usable when named, never chosen by `auto`.
   */
  check(): Promise<{ available: boolean; reason: string; software?: boolean }>;
  /** Precisions the backend computes natively. */
  readonly precisions: readonly CostPrecision[];
  /** Why this backend cannot take this particular input (e.g. wasm32's 4 GiB), or null. */
  unsupported?(input: PreparedCostInput): string | null;
  /** Computes into `out`; may return a note on the variant that ran (threads, SIMD flavour). */
  compute(input: PreparedCostInput, out: Float32Array | Float64Array, workers: number): Promise<string | void>;
}
