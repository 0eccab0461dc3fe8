import { Rng } from '@flow/random';
import { ELEMENTWISE_WASM, ELEMENTWISE_WASM_FMA } from '../src/wasm-fused/elementwise-binary';
import { elementwiseBinary, type ElementwiseExports } from '../src/wasm-fused/elementwise-module';
import { validatesRelaxed, webAssembly, type SharedMemory } from '../src/wasm-threads/wasm-global';

// The elementwise module's two variants: the sigmoid's multiply-adds fused (relaxed SIMD, loaded where the
// runtime has it) and plain SIMD128. Both must give mp_silu, its gradient and the activated padded copy within
// 2e-6 (1 + |ref|) of float64 (the bound wasm-simd-fused.test.ts holds the loaded variant to), over inputs that
// reach the exp's clamps; the kernels without a sigmoid are the same code in both.
const sg = (z: number) => 1 / (1 + Math.exp(-z));
const f = (z: number) => (z * sg(z)) / 0.596;
const df = (z: number) => (sg(z) * (1 + z * (1 - sg(z)))) / 0.596;

function worst(got: Float32Array, want: (i: number) => number): number {
  let w = 0;
  for (let i = 0; i < got.length; i++) w = Math.max(w, Math.abs(got[i]! - want(i)) / (1 + Math.abs(want(i))));
  return w;
}

describe('the elementwise module with fused multiply-adds', () => {
  const n = 4096;
  const x = new Rng(11).fillNormal(new Float32Array(n)).map((v, i) => (i % 97 === 0 ? 95 * Math.sign(v) : i % 89 === 0 ? 1e-30 : 6 * v));
  const dy = new Rng(12).fillNormal(new Float32Array(n));
  const variants = { fma: ELEMENTWISE_WASM_FMA, plain: ELEMENTWISE_WASM };
  const results: Record<string, { y: Float32Array; dx: Float32Array; padded: Float32Array; sum: Float32Array }> = {};

  beforeAll(() => {
    for (const [name, b64] of Object.entries(variants)) {
      const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
      if (name === 'fma') expect(validatesRelaxed(bytes)).toBe(true);
      const WA = webAssembly();
      const memory = new (WA.Memory as unknown as new (d: { initial: number }) => SharedMemory)({ initial: 4 });
      const ew = new WA.Instance(new WA.Module(bytes), { env: { memory } }).exports as unknown as ElementwiseExports;
      const heap = new Float32Array(memory.buffer);
      const [X, DY, Y, DX, P, S] = [0, 1, 2, 3, 4, 6].map((k) => k * n * 4);
      heap.set(x, X / 4);
      heap.set(dy, DY / 4);
      ew.mp_silu(X, Y, n / 4);
      ew.mp_silu_grad(X, DY, DX, n / 4);
      // 16 rows of 16 pixels of 16 channels, one zero pixel either side.
      ew.pad_rows_act(X, P, 16, 16, 4, 4, 4, 16 * 16 * 4, 18 * 16 * 4, 0);
      ew.mp_sum(X, DY, S, n / 4, 0.6, 0.8);
      const view = (at: number, len: number) => heap.slice(at / 4, at / 4 + len);
      results[name] = { y: view(Y, n), dx: view(DX, n), padded: view(P, 16 * 18 * 16), sum: view(S, n) };
    }
  });

  it('is the variant the engine loads on this runtime', () => {
    expect(elementwiseBinary().fma).toBe(true);
  });

  it.each(Object.keys(variants))('%s: mp_silu, its gradient and the activated padded rows within 2e-6 of float64', (name) => {
    const r = results[name]!;
    expect(worst(r.y, (i) => f(x[i]!))).toBeLessThanOrEqual(2e-6);
    expect(worst(r.dx, (i) => dy[i]! * df(x[i]!))).toBeLessThanOrEqual(2e-6);
    const padded = (i: number) => {
      const px = Math.floor(i / 16) % 18;
      const row = Math.floor(i / (18 * 16));
      return px === 0 || px === 17 ? 0 : f(x[(row * 16 + px - 1) * 16 + (i % 16)]!);
    };
    expect(worst(r.padded, padded)).toBeLessThanOrEqual(2e-6);
  });

  it('differs from the plain variant only where a sigmoid is computed', () => {
    expect(Buffer.from(results.fma!.sum.buffer).equals(Buffer.from(results.plain!.sum.buffer))).toBe(true);
    expect(Buffer.from(results.fma!.y.buffer).equals(Buffer.from(results.plain!.y.buffer))).toBe(false);
  });
});
