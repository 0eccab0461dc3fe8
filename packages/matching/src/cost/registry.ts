import { cpuBackend } from './backend-cpu';
import { nativeBackend } from './backend-native';
import { gpujsBackends } from './backend-gpujs';
import { wasmBackend } from './backend-wasm';
import { webgpuBackend } from './backend-webgpu';
import type { CostBackend, CostBackendInfo, PreparedCostInput } from './types';

// TensorFlow.js-style registry: each backend has a name, an availability check (run once, cached) and
// says why. `auto` walks AUTO_ORDER (fastest first, as measured in README-backends.md) and takes the
// first backend that is available, computes the precision asked for, and can take the input.
const BACKENDS: readonly CostBackend[] = [nativeBackend, wasmBackend, cpuBackend, webgpuBackend, ...gpujsBackends];

/**
 * Order in which `auto` tries backends: a hardware WebGPU adapter (our WGSL kernel, then gpu.js's), then
 * `@flow/native`'s OpenBLAS sgemm (float32, where the optional package's addon built), then wasm SIMD, then TypeScript. A software adapter (llvmpipe and the like) is never chosen automatically.
 */
export const AUTO_ORDER = ['webgpu', 'gpujs-webgpu', 'native', 'wasm', 'cpu'] as const;

type Check = { available: boolean; reason: string; software?: boolean };
const checks = new Map<string, Promise<Check>>();

export function getCostBackend(name: string): CostBackend | undefined {
  return BACKENDS.find((b) => b.name === name);
}

export function checkCostBackend(b: CostBackend): Promise<Check> {
  let c = checks.get(b.name);
  if (!c) {
    c = b.check().catch((e: unknown) => ({ available: false, reason: e instanceof Error ? e.message : String(e) }));
    checks.set(b.name, c);
  }
  return c;
}

/** Every backend with whether it can run here and why. */
export async function listCostBackends(): Promise<CostBackendInfo[]> {
  return Promise.all(BACKENDS.map(async (b) => ({ name: b.name, ...(await checkCostBackend(b)) })));
}

/** The backend `auto` picks for this input, and why. */
export async function pickAutoBackend(input: PreparedCostInput): Promise<{ backend: CostBackend; reason: string }> {
  const skipped: string[] = [];
  for (const name of AUTO_ORDER) {
    const b = getCostBackend(name);
    if (!b) continue;
    const c = await checkCostBackend(b);
    if (!c.available) {
      skipped.push(`${name}: ${c.reason}`);
      continue;
    }
    if (c.software) {
      skipped.push(`${name}: ${c.reason} is a software adapter, slower than wasm`);
      continue;
    }
    if (!b.precisions.includes(input.precision)) {
      skipped.push(`${name}: no ${input.precision}`);
      continue;
    }
    const why = b.unsupported?.(input);
    if (why) {
      skipped.push(`${name}: ${why}`);
      continue;
    }
    return { backend: b, reason: `auto: first available in order ${AUTO_ORDER.join(' > ')}${skipped.length ? ` (skipped ${skipped.join('; ')})` : ''}` };
  }
  throw new Error(`no cost backend can take this input (${skipped.join('; ')})`);
}
