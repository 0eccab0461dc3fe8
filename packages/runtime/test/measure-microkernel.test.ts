import { measureMicrokernelGflops } from '../src/measure-microkernel-gflops';
import { GEMM_MR, GEMM_NR } from '../src/wasm-threads/gemm-module';

describe('measureMicrokernelGflops', () => {
  it('times the engine microkernel and checks its block against a float64 reference', () => {
    // Odd depths too: the check inside compares every entry of C and throws on a wrong one.
    for (const k of [1, 37, 256]) {
      const m = measureMicrokernelGflops({ k, seconds: 0.01, rounds: 1 });
      expect(m).toMatchObject({ mr: GEMM_MR, nr: GEMM_NR, k });
      expect(['relaxed-SIMD FMA', 'SIMD128']).toContain(m.variant);
      expect(m.calls).toBeGreaterThanOrEqual(1000);
      expect(m.gflops).toBeCloseTo((2 * GEMM_MR * GEMM_NR * k * m.calls) / m.seconds / 1e9, 6);
    }
  });

  it('refuses a depth whose panels do not fit its test memory', () => {
    expect(() => measureMicrokernelGflops({ k: 4000 })).toThrow(/k = 4000 does not fit/);
  });
});
