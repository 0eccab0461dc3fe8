import { Rng } from '@flow/random';
import { mpSilu } from '../src/wasm-fused/mp-silu';
import { mpSiluGrad } from '../src/wasm-fused/mp-silu-grad';
import { mpSiluMod } from '../src/wasm-fused/mp-silu-mod';
import { mpSiluModGrad } from '../src/wasm-fused/mp-silu-mod-grad';

// The TypeScript mp_silu loops (not registered on the wasm engine: slower than the SIMD composite, see
// src/wasm-fused/wasm-fused-kernels.ts) against float64 references. Tolerance 1e-6 (1 + |ref|) per element.
const sg = (z: number) => 1 / (1 + Math.exp(-z));
const f = (z: number) => (z * sg(z)) / 0.596;
const df = (z: number) => (sg(z) * (1 + z * (1 - sg(z)))) / 0.596;

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('wasm-fused mp_silu loops', () => {
  const [n, hw, c] = [2, 5, 3];
  const x = new Rng(1).fillNormal(new Float32Array(n * hw * c)).map((v) => 3 * v);
  const s = new Rng(2).fillNormal(new Float32Array(n * c));
  const dy = new Rng(3).fillNormal(new Float32Array(x.length));
  const si = (o: number) => s[Math.floor(o / (hw * c)) * c + (o % c)];

  it('mpSilu and its gradient', () => {
    const y = new Float32Array(x.length);
    const dx = new Float32Array(x.length);
    mpSilu(x, y);
    mpSiluGrad(x, dy, dx);
    expectClose(y, Array.from(x, f), 1e-6);
    expectClose(dx, Array.from(x, (v, i) => dy[i] * df(v)), 1e-6);
  });

  it('the modulated activation and both its gradients (ds summed over each image)', () => {
    const y = new Float32Array(x.length);
    const dx = new Float32Array(x.length);
    const ds = new Float32Array(s.length).fill(Number.NaN); // overwritten, not accumulated into
    mpSiluMod(x, s, hw, c, y);
    mpSiluModGrad(x, s, dy, hw, c, dx, ds);
    expectClose(y, Array.from(x, (v, o) => f(v * si(o))), 1e-6);
    expectClose(dx, Array.from(x, (v, o) => dy[o] * df(v * si(o)) * si(o)), 1e-6);
    const want = new Float64Array(s.length);
    x.forEach((v, o) => (want[Math.floor(o / (hw * c)) * c + (o % c)] += dy[o] * df(v * si(o)) * v));
    expectClose(ds, want, 1e-5);
  });
});
