import { isSoftwareAdapter } from './is-software-adapter';
import type { AdapterLike } from './gpu-types';

/** "NVIDIA H100 80GB HBM3 (nvidia; ...)" or "llvmpipe (LLVM 15.0.6, 256 bits) (mesa; ...; software)". */
export function describeAdapter(adapter: AdapterLike): string {
  const info = adapter.info;
  if (!info) return isSoftwareAdapter(adapter) ? 'WebGPU adapter (software)' : 'WebGPU adapter';
  const detail = [info.vendor, info.description, isSoftwareAdapter(adapter) ? 'software' : ''].filter((x) => x).join('; ');
  return `${info.device || 'WebGPU adapter'}${detail ? ` (${detail})` : ''}`;
}
