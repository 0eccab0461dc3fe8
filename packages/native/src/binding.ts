import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The functions the compiled addon exports (csrc/addon.cc). */
export interface NativeBinding {
  setThreads(n: number): void;
  getThreads(): number;
  blasCore(): string;
  setChunkFloats(n: number): number;
  conv2d(kind: 0 | 1 | 2, a: Float32Array, b: Float32Array, out: Float32Array, geometry: Int32Array): void;
  batchMatMul(a: Float32Array, b: Float32Array, out: Float32Array, aIndex: Int32Array, bIndex: Int32Array, m: number, n: number, k: number, transposeA: number, transposeB: number): void;
  matMulABt(a: Float32Array, b: Float32Array, out: Float32Array, m: number, n: number, k: number): void;
  poolCentre(a: Float32Array, n: number, dim: number, computeMean: number, mean: Float64Array, out: Float32Array, norms: Float64Array): void;
  poolDistances(x: Float32Array, rows: number, z: Float32Array, cols: number, dim: number, nx: Float64Array, nz: Float64Array, out: Float32Array): void;
  poolGreedy(c: Float32Array, rows: number, ld: number, free: Int32Array, n: number, pick: Int32Array): number;
  mpSilu(x: Float32Array, y: Float32Array): void;
  mpSiluGrad(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  rowNormalize(x: Float32Array, c: number, eps: number, y: Float32Array): void;
  rowNormalizeGrad(x: Float32Array, dy: Float32Array, c: number, eps: number, dx: Float32Array): void;
  clipGrad(x: Float32Array, dy: Float32Array, lo: number, hi: number, dx: Float32Array): void;
  mpSum(a: Float32Array, b: Float32Array, ca: number, cb: number, y: Float32Array): void;
  mpCat(a: Float32Array, b: Float32Array, na: number, nb: number, ca: number, cb: number, y: Float32Array): void;
  mpCatGrad(dy: Float32Array, na: number, nb: number, ca: number, cb: number, da: Float32Array, db: Float32Array): void;
  peakGflops(threads: number, seconds: number): { gflops: number; isa: string };
  mpSiluMod(x: Float32Array, s: Float32Array, hw: number, c: number, y: Float32Array): void;
  mpSiluModGrad(x: Float32Array, s: Float32Array, dy: Float32Array, hw: number, c: number, dx: Float32Array, ds: Float32Array): void;
  resample2x(x: Float32Array, up: number, h: number, w: number, c: number, scale: number, y: Float32Array): void;
  colNormalize(w: Float32Array, fanIn: number, eps: number, s: number, y: Float32Array): void;
  colNormalizeGrad(w: Float32Array, dy: Float32Array, fanIn: number, eps: number, s: number, dw: Float32Array): void;
}

interface Loaded {
  binding?: NativeBinding;
  reason: string;
}

let loaded: Loaded | undefined;

// The package root: this file is src/binding.ts (tests) or dist/index.{js,cjs} (built), one level down either way.
const buildDir = path.join(__dirname, '..', 'build');

/**
 * Idle OpenMP workers must not spin: between two native kernels the JS thread runs tfjs's elementwise kernels,
 * and spinning workers would take its core (measured: 2-4x slower steps on 2 cores). libgomp reads this once, when
 * the addon loads; the user's own setting wins. (OpenBLAS's core and thread settings are made by the addon itself.)
 */
function quietIdleThreads(): void {
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
}

/** Thread count from env FLOW_THREADS (a positive integer), else every core. */
export function defaultThreads(): number {
  const env = Number(process.env.FLOW_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Loads the addon once; never throws (the reason says why it is absent). */
export function load(): Loaded {
  if (loaded) return loaded;
  const file = path.join(buildDir, 'flow_native.node');
  if (!existsSync(file)) {
    let reason = 'the addon was not built (run `node addon/install.mjs` in @flow/native)';
    try {
      const status = JSON.parse(readFileSync(path.join(buildDir, 'status.json'), 'utf8')) as { reason?: string };
      if (status.reason) reason = `the addon was not built: ${status.reason}`;
    } catch {
      // no status file: the install script never ran
    }
    loaded = { reason };
    return loaded;
  }
  try {
    quietIdleThreads();
    const binding = createRequire(path.join(buildDir, 'loader.cjs'))(file) as NativeBinding;
    binding.setThreads(defaultThreads());
    loaded = { binding, reason: '' };
  } catch (e) {
    loaded = { reason: `loading the addon failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  return loaded;
}
