import type { CostBackend, PreparedCostInput } from './types';

// gpu.js (an optional peer dependency, loaded with a dynamic import). Its kernels run one thread per
// output cell; on `webasm`, 4 consecutive threads along x share one SIMD vector, loads that depend only
// on thread.y are broadcasts and loads that depend on thread.x are 4-lane gathers. So each thread here
// computes a 4-row strip of one column: one gathered z value feeds 4 multiply-adds against 4 broadcast
// x values (about 2x the naive one-cell-per-thread kernel), with norms precomputed and inputs centred.
// Output is chunked by rows because gpu.js returns nested arrays (one small array per thread).

type GpuMode = 'webgpu' | 'webasm' | 'cpu';

interface GpuKernel {
  (...args: unknown[]): unknown;
}
interface GpuInstance {
  createKernel(fn: (...args: never[]) => unknown, settings: Record<string, unknown>): GpuKernel;
  destroy(): unknown;
}
interface GpuModule {
  GPU: {
    new (settings: { mode: GpuMode }): GpuInstance;
    isWebAssemblySupported?: boolean;
    isWebGPUAvailable?: () => Promise<boolean>;
  };
}

let gpuModule: Promise<GpuModule> | null = null;
function loadGpu(): Promise<GpuModule> {
  gpuModule ??= (async () => {
    const specifier = 'gpu.js';
    const m = (await import(specifier)) as Partial<GpuModule> & { default?: Partial<GpuModule> };
    const GPU = m.GPU ?? m.default?.GPU;
    if (!GPU) throw new Error('gpu.js loaded but exports no GPU class');
    return { GPU };
  })();
  gpuModule.catch(() => undefined);
  return gpuModule;
}

const CHUNK_CELLS = 1 << 20;

// The kernel body is plain JavaScript that gpu.js parses and compiles; `this.thread` is gpu.js's.
function stripKernel(this: { thread: { x: number; y: number } }, x: Float32Array, z: Float32Array, nx: Float32Array, nz: Float32Array, d: number): number[] {
  const i = this.thread.y * 4;
  const j = this.thread.x;
  const zo = j * d;
  const x0 = i * d;
  const x1 = x0 + d;
  const x2 = x1 + d;
  const x3 = x2 + d;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (let k = 0; k < d; k += 2) {
    const w = z[zo + k];
    const v = z[zo + k + 1];
    a0 += x[x0 + k] * w + x[x0 + k + 1] * v;
    a1 += x[x1 + k] * w + x[x1 + k + 1] * v;
    a2 += x[x2 + k] * w + x[x2 + k + 1] * v;
    a3 += x[x3 + k] * w + x[x3 + k + 1] * v;
  }
  return [nx[i] + nz[j] - 2 * a0, nx[i + 1] + nz[j] - 2 * a1, nx[i + 2] + nz[j] - 2 * a2, nx[i + 3] + nz[j] - 2 * a3];
}

function centreF32(src: Float32Array | Float64Array, n: number, nPad: number, dim: number, dPad: number, mean: Float64Array, norms: Float32Array): Float32Array {
  const out = new Float32Array(nPad * dPad);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = Math.fround(src[i * dim + k] - mean[k]);
      out[i * dPad + k] = v;
      s += v * v;
    }
    norms[i] = s;
  }
  return out;
}

async function computeGpujs(mode: GpuMode, input: PreparedCostInput, out: Float32Array | Float64Array): Promise<string> {
  const { GPU } = await loadGpu();
  const { rows, cols, dim, mean } = input;
  const dPad = dim + (dim & 1);
  const chunkRows = Math.max(4, Math.min(Math.ceil(rows / 4) * 4, Math.floor(CHUNK_CELLS / cols / 4) * 4));
  const rowsPad = Math.ceil(rows / chunkRows) * chunkRows;
  const nx = new Float32Array(rowsPad);
  const nz = new Float32Array(cols);
  const x = centreF32(input.x, rows, rowsPad, dim, dPad, mean, nx);
  const z = centreF32(input.z, cols, cols, dim, dPad, mean, nz);
  const gpu = new GPU({ mode });
  try {
    const kernel = gpu.createKernel(stripKernel as unknown as (...args: never[]) => unknown, {
      output: [cols, chunkRows / 4],
      returnType: 'Array(4)',
      loopMaxIterations: dPad + 2,
      precision: 'single',
      asyncMode: true,
      tactic: 'precision',
    });
    for (let r0 = 0; r0 < rows; r0 += chunkRows) {
      const res = (await kernel(x.subarray(r0 * dPad, (r0 + chunkRows) * dPad), z, nx.subarray(r0, r0 + chunkRows), nz, dPad)) as ArrayLike<ArrayLike<ArrayLike<number>>>;
      const rEnd = Math.min(rows, r0 + chunkRows);
      for (let g = 0; (r0 + 4 * g) < rEnd; g++) {
        const line = res[g];
        for (let c = 0; c < 4 && r0 + 4 * g + c < rEnd; c++) {
          const o = (r0 + 4 * g + c) * cols;
          for (let j = 0; j < cols; j++) {
            const v = line[j][c];
            out[o + j] = v < 0 ? 0 : v;
          }
        }
      }
    }
  } finally {
    gpu.destroy();
  }
  return `gpu.js ${mode}, 4-row strip kernel`;
}

function gpujsBackend(name: 'gpujs-webgpu' | 'gpujs-webasm' | 'gpujs-cpu', mode: GpuMode): CostBackend {
  return {
    name,
    precisions: ['float32'],
    check: async () => {
      let GPU: GpuModule['GPU'];
      try {
        ({ GPU } = await loadGpu());
      } catch (e) {
        return { available: false, reason: `gpu.js (optional peer dependency) is not installed: ${(e as Error).message.split('\n')[0]}` };
      }
      if (mode === 'webasm' && !GPU.isWebAssemblySupported) return { available: false, reason: 'gpu.js reports no WebAssembly support' };
      if (mode === 'webgpu') {
        // gpu.js looks for navigator.gpu, which Node lacks until @flow/webgpu installs Dawn's there.
        let found: { description: string; software: boolean };
        try {
          const { requestAdapter } = await import('@flow/webgpu');
          found = await requestAdapter();
        } catch (e) {
          return { available: false, reason: (e as Error).message.split('\n')[0] ?? 'WebGPU unavailable' };
        }
        const ok = GPU.isWebGPUAvailable ? await GPU.isWebGPUAvailable().catch(() => false) : false;
        if (!ok) return { available: false, reason: `gpu.js sees no WebGPU adapter although ${found.description} answers` };
        return { available: true, reason: `gpu.js webgpu on ${found.description}`, software: found.software };
      }
      return { available: true, reason: mode === 'webasm' ? 'gpu.js webasm (WebAssembly SIMD, worker pool)' : 'gpu.js cpu (transpiled JavaScript; for checking)' };
    },
    compute: (input, out) => computeGpujs(mode, input, out),
  };
}

export const gpujsBackends: CostBackend[] = [
  gpujsBackend('gpujs-webgpu', 'webgpu'),
  gpujsBackend('gpujs-webasm', 'webasm'),
  gpujsBackend('gpujs-cpu', 'cpu'),
];
