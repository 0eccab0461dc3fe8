import { AddN, getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

interface WebgpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: unknown): void;
}

let original: KernelFunc | undefined;
let installed: KernelConfig | undefined;

/**
 * tfjs-webgpu's AddN binds every input as its own storage buffer, so a gradient sum over more inputs than the
 * device's `maxStorageBuffersPerShaderStage` (8 by default; a U-Net's weight gradients easily have 9) builds an
 * invalid pipeline: Dawn logs validation errors and the sum is silently wrong. This kernel sums in chunks that
 * fit, then sums the partial results, with the original kernel doing every chunk.
 */
function addNChunked(args: Parameters<KernelFunc>[0]): TensorInfo {
  const inputs = args.inputs as unknown as TensorInfo[];
  const backend = args.backend as unknown as WebgpuBackendLike;
  const run = original!;
  // One binding for the output, one spare for the uniforms tfjs may add.
  const maxInputs = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 2);
  let level: TensorInfo[] = inputs;
  let owned = false;
  while (level.length > maxInputs) {
    const next: TensorInfo[] = [];
    for (let i = 0; i < level.length; i += maxInputs) {
      const chunk = level.slice(i, i + maxInputs);
      next.push(chunk.length === 1 ? chunk[0]! : (run({ ...args, inputs: chunk as unknown as typeof args.inputs }) as TensorInfo));
    }
    if (owned) for (const t of level) if (!next.includes(t)) backend.disposeData(t.dataId);
    level = next;
    owned = true;
  }
  const out = run({ ...args, inputs: level as unknown as typeof args.inputs }) as TensorInfo;
  if (owned) for (const t of level) if (t !== out) backend.disposeData(t.dataId);
  return out;
}

/** Replaces the webgpu backend's AddN with the chunked one (idempotent). Call after tfjs-backend-webgpu loaded. */
export function registerChunkedAddN(): void {
  const existing = getKernel(AddN, 'webgpu');
  if (!existing || existing === installed) return;
  original = existing.kernelFunc;
  unregisterKernel(AddN, 'webgpu');
  installed = { kernelName: AddN, backendName: 'webgpu', kernelFunc: addNChunked as unknown as KernelFunc };
  registerKernel(installed);
}
