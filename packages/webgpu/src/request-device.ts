import type { AdapterLike } from './gpu-types';

// Limits worth raising to what the adapter offers: the defaults (8 storage buffers per stage, 128 MiB bindings)
// are far below what GPUs and even lavapipe allow, and compute work hits them first.
const RAISED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** A device with the adapter's own compute limits (the WebGPU defaults are lower). */
export async function requestDevice(adapter: AdapterLike): Promise<unknown> {
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) {
    const value = adapter.limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  return adapter.requestDevice({ requiredLimits });
}
