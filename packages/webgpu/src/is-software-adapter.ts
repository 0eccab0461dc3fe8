import type { AdapterLike } from './gpu-types';

/**
 * True for a CPU rasteriser behind WebGPU (Mesa's llvmpipe/lavapipe, SwiftShader, WARP, or any adapter Dawn
 * marks as fallback): correct, so good for tests, but slower than wasm on the same cores.
 */
export function isSoftwareAdapter(adapter: AdapterLike): boolean {
  const info = adapter.info;
  if (adapter.isFallbackAdapter === true || info?.isFallbackAdapter === true) return true;
  if (info?.architecture === 'software') return true;
  return /llvmpipe|lavapipe|swiftshader|\bwarp\b/i.test(`${info?.device ?? ''} ${info?.description ?? ''}`);
}
