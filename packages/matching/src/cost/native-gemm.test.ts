import { Rng } from '@flow/random';

// Where @flow/native is missing or has no addon, the package runs as before: `auto` skips native with the reason.
describe('without the native addon', () => {
  afterEach(() => jest.resetModules());

  test('the native backend says why it is unavailable, and dansm on auto falls back to the wasm pool kernel', async () => {
    jest.doMock('@flow/native', () => ({ isNativeAvailable: () => false, nativeUnavailableReason: () => 'no compiler (test)' }));
    const { loadNativeGemm } = jest.requireActual<typeof import('./native-gemm')>('./native-gemm');
    const g = await loadNativeGemm();
    expect(g.sgemm).toBeUndefined();
    expect(g.reason).toBe('@flow/native has no addon here: no compiler (test)');
    const { listCostBackends } = jest.requireActual<typeof import('./registry')>('./registry');
    expect((await listCostBackends()).find((b) => b.name === 'native')).toEqual({ name: 'native', available: false, reason: g.reason });
    const { createCoupling: create } = jest.requireActual<typeof import('../coupling')>('../coupling');
    const rng = new Rng(1);
    const c = create('dansm', { sampler: { dim: 8, draw: (n: number) => rng.fillNormal(new Float32Array(n * 8)) }, rng: new Rng(2), ms: 50, costBackend: 'auto' });
    await c.next(10);
    expect(c.stats().costBackend).toMatch(/^wasm pool kernel/);
    await expect(create('dansm', { sampler: { dim: 8, draw: (n: number) => rng.fillNormal(new Float32Array(n * 8)) }, rng: new Rng(2), ms: 50, costBackend: 'native' }).next(10)).rejects.toThrow(/native pool kernel: @flow\/native has no addon here/);
  });

  test('a missing package reads as not installed', async () => {
    jest.doMock('@flow/native', () => {
      throw Object.assign(new Error("Cannot find module '@flow/native'"), { code: 'MODULE_NOT_FOUND' });
    });
    const { loadNativeGemm } = jest.requireActual<typeof import('./native-gemm')>('./native-gemm');
    expect((await loadNativeGemm()).reason).toBe('the optional package @flow/native is not installed');
  });
});
