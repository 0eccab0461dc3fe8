import type { AdapterLike } from './gpu-types';
import { describeAdapter } from './describe-adapter';
import { isSoftwareAdapter } from './is-software-adapter';

function adapter(info: AdapterLike['info'], fallback?: boolean): AdapterLike {
  return { info, limits: {}, features: { has: () => false }, requestDevice: async () => ({}), ...(fallback !== undefined ? { isFallbackAdapter: fallback } : {}) };
}

describe('software adapters', () => {
  test("Mesa's llvmpipe (what Dawn reports on lavapipe) is software, by architecture, fallback flag or name", () => {
    const lavapipe = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'llvmpipe: Mesa 22.3.6 (LLVM 15.0.6) 0.0.1' };
    expect(isSoftwareAdapter(adapter(lavapipe))).toBe(true);
    expect(isSoftwareAdapter(adapter({ device: 'SwiftShader Device (Subzero)' }))).toBe(true);
    expect(isSoftwareAdapter(adapter({ device: 'whatever' }, true))).toBe(true);
    expect(isSoftwareAdapter(adapter({ device: 'whatever', isFallbackAdapter: true }))).toBe(true);
    expect(describeAdapter(adapter(lavapipe))).toBe('llvmpipe (LLVM 15.0.6, 256 bits) (mesa; llvmpipe: Mesa 22.3.6 (LLVM 15.0.6) 0.0.1; software)');
  });

  test('a GPU is not', () => {
    const h100 = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA: 580.159.04' };
    expect(isSoftwareAdapter(adapter(h100))).toBe(false);
    expect(isSoftwareAdapter(adapter(undefined))).toBe(false);
    expect(describeAdapter(adapter(h100))).toBe('NVIDIA H100 80GB HBM3 (nvidia; NVIDIA: 580.159.04)');
    expect(describeAdapter(adapter(undefined))).toBe('WebGPU adapter');
  });
});
