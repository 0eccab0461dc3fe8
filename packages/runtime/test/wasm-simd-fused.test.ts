import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@flow/random';
import { registerWasmKernels } from '../src/register-wasm-kernels';
import { heapElementwise } from '../src/wasm-fused/elementwise-module';
import { clipByValueGrad } from '../src/wasm-fused/clip-by-value-grad';
import { mpCat } from '../src/wasm-fused/mp-cat';
import { mpCatGrad } from '../src/wasm-fused/mp-cat-grad';
import { mpSum } from '../src/wasm-fused/mp-sum';
import { rowNormalize } from '../src/wasm-fused/row-normalize';
import { rowNormalizeGrad } from '../src/wasm-fused/row-normalize-grad';
import { colNormalize } from '../src/wasm-fused/weight-norm';
import { colNormalizeGrad } from '../src/wasm-fused/weight-norm-grad';

// The fused EDM2 kernels that run as vector-SIMD wasm in place on the tfjs wasm heap
// (wasm/generate-elementwise-wat.mjs), run as the registered kernels: the mp_silu family against float64
// references; mp_sum, the clip gradient, mp_cat, normalize and weight normalisation against the TypeScript loops (float64 arithmetic),
// within 1e-6 (1 + |ref|). Tolerance: 2e-6 (1 + |ref|) per element (a
// polynomial exp of ~1 ulp, then float32 products); ds (float64 sums of up to 900 float32 terms g x, each as
// exact as g, whose errors need not cancel): 1e-6 of 1 + the sum of the terms' magnitudes.
const sg = (z: number) => 1 / (1 + Math.exp(-z));
const f = (z: number) => (z * sg(z)) / 0.596;
const df = (z: number) => (sg(z) * (1 + z * (1 - sg(z)))) / 0.596;

function worst(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Number.isNaN(want[i]) ? (Number.isNaN(got[i]) ? 0 : Infinity) : Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return w;
}

describe('fused EDM2 kernels as SIMD wasm on the tfjs heap', () => {
  beforeAll(async () => {
    registerWasmKernels();
    await tf.setBackend('wasm');
  });

  it('the kernels find the backend heap (else the TypeScript loops would run)', () => {
    expect(heapElementwise(tf.backend())).toBeDefined();
  });

  // [images, pixels, channels]: odd vector counts and a tail below one vector (the flat kernels), a channel
  // count that is not a multiple of 4 (the TypeScript loops run the modulated pair), one pixel of 4 channels.
  it.each([[3, 900, 32], [2, 7, 6], [1, 1, 4], [2, 3, 12]])('%i x %i x %i: values and gradients match float64', (n, hw, c) => {
    const rng = new Rng(n * 1000 + hw + c);
    const x = rng.fillNormal(new Float32Array(n * hw * c)).map((v) => 4 * v);
    // Saturated, zero and NaN inputs at the start.
    x.set([-100, -88.5, -20, 0, 20, 88.5, 100, Number.NaN].slice(0, x.length));
    const dy = rng.fillNormal(new Float32Array(x.length));
    const s = rng.fillNormal(new Float32Array(n * c));
    const si = (o: number) => s[Math.floor(o / (hw * c)) * c + (o % c)];
    const shape = [n, hw, c];
    const [y, dx, ym, [dxm, ds]] = tf.tidy(() => {
      const [xt, dyt, st] = [tf.tensor(x, shape), tf.tensor(dy, shape), tf.tensor(s, [n, c])];
      const run = (name: string, inputs: Record<string, tf.Tensor>) => tf.engine().runKernel(name, inputs, {}) as tf.Tensor | tf.Tensor[];
      const one = (t: tf.Tensor | tf.Tensor[]) => (t as tf.Tensor).dataSync() as Float32Array;
      const pair = run('FlowMpSiluModGrad', { x: xt, s: st, dy: dyt }) as tf.Tensor[];
      return [one(run('FlowMpSilu', { x: xt })), one(run('FlowMpSiluGrad', { x: xt, dy: dyt })), one(run('FlowMpSiluMod', { x: xt, s: st })), pair.map((t) => t.dataSync() as Float32Array)];
    });
    const want = new Float64Array(s.length);
    const mass = new Float64Array(s.length);
    x.forEach((v, o) => {
      const term = dy[o] * df(v * si(o)) * v;
      want[Math.floor(o / (hw * c)) * c + (o % c)] += term;
      mass[Math.floor(o / (hw * c)) * c + (o % c)] += Math.abs(term);
    });
    expect(worst(y, Array.from(x, f))).toBeLessThanOrEqual(2e-6);
    expect(worst(dx, Array.from(x, (v, o) => dy[o] * df(v)))).toBeLessThanOrEqual(2e-6);
    expect(worst(ym, Array.from(x, (v, o) => f(v * si(o))))).toBeLessThanOrEqual(2e-6);
    expect(worst(dxm, Array.from(x, (v, o) => dy[o] * df(v * si(o)) * si(o)))).toBeLessThanOrEqual(2e-6);
    // NaN in x makes its image's ds NaN on both sides; the rest must match within 1e-6 of the terms' mass.
    const dsErr = Math.max(...Array.from(want, (w, j) => (Number.isNaN(w) ? (Number.isNaN(ds[j]) ? 0 : Infinity) : Math.abs(ds[j] - w) / (1 + mass[j]))));
    expect(dsErr).toBeLessThanOrEqual(1e-6);
  });

  it.each([[5, 64], [3, 12], [2, 6], [1, 4]])('mp_sum, clip gradient, mp_cat and normalize with their gradients, %i rows of %i', (rows, c) => {
    const rng = new Rng(rows * 100 + c);
    const n = rows * c + (c % 4 === 0 ? 3 : 0); // mp_sum and clip: a tail below one vector
    const x = rng.fillNormal(new Float32Array(n)).map((v) => 2 * v);
    x[1] = Number.NaN;
    x[2] = 1; // on the clip boundary
    const b = rng.fillNormal(new Float32Array(n));
    const dy = rng.fillNormal(new Float32Array(n));
    const rowsX = x.slice(0, rows * c).map((v) => (Number.isNaN(v) ? 0 : v));
    rowsX.fill(0, 0, c); // an all-zero row (its gradient's second term is 0)
    const rowsDy = dy.slice(0, rows * c);
    const [catB, catDy] = [rng.fillNormal(new Float32Array(rows * 8)), rng.fillNormal(new Float32Array(rows * (c + 8)))];
    const got = tf.tidy(() => {
      const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, number>) => (tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor).dataSync() as Float32Array;
      const [xt, bt, dyt] = [tf.tensor1d(x), tf.tensor1d(b), tf.tensor1d(dy)];
      const [rx, rdy] = [tf.tensor2d(rowsX, [rows, c]), tf.tensor2d(rowsDy, [rows, c])];
      return {
        sum: run('FlowMpSum', { a: xt, b: bt }, { ca: 0.6, cb: -0.8 }),
        clip: run('FlowClipByValueGrad', { x: xt, dy: dyt }, { clipValueMin: -1, clipValueMax: 1 }),
        norm: run('FlowRowNormalize', { x: rx }, { eps: 1e-4 }),
        normGrad: run('FlowRowNormalizeGrad', { x: rx, dy: rdy }, { eps: 1e-4 }),
        // [rows, c] and [rows, 8] side by side, and back
        cat: run('FlowMpCat', { a: rx, b: tf.tensor2d(catB, [rows, 8]) }, { ca: 0.6, cb: 1.25 }),
        catGrad: Float32Array.from((tf.engine().runKernel('FlowMpCatGrad', { dy: tf.tensor2d(catDy, [rows, c + 8]) }, { na: c, ca: 0.6, cb: 1.25 } as never) as tf.Tensor[]).flatMap((t) => Array.from(t.dataSync()))),
      };
    });
    const want = { sum: new Float32Array(n), clip: new Float32Array(n), norm: new Float32Array(rows * c), normGrad: new Float32Array(rows * c), cat: new Float32Array(rows * (c + 8)), catGrad: new Float32Array(rows * (c + 8)) };
    mpCat(rowsX, catB, c, 8, 0.6, 1.25, want.cat);
    mpCatGrad(catDy, c, 8, 0.6, 1.25, want.catGrad.subarray(0, rows * c), want.catGrad.subarray(rows * c));
    mpSum(x, b, 0.6, -0.8, want.sum);
    clipByValueGrad(x, dy, -1, 1, want.clip);
    rowNormalize(rowsX, c, 1e-4, want.norm);
    rowNormalizeGrad(rowsX, rowsDy, c, 1e-4, want.normGrad);
    for (const k of ['sum', 'clip', 'norm', 'normGrad', 'cat', 'catGrad'] as const) expect(worst(got[k], want[k])).toBeLessThanOrEqual(1e-6);
    expect(got.clip[1]).toBe(0);
    expect(got.clip[2]).toBe(dy[2]);
  });

  // [3, 3, cin, cout] conv weights (fan-in 9 cin) and a [fanIn, cout] dense one; 6 columns: the TypeScript loops.
  it.each([[[3, 3, 8, 16]], [[5, 12]], [[2, 6]]])('weight normalisation and its gradient, w %j', (shape) => {
    const rng = new Rng(shape.reduce((a, b) => a * b, 7));
    const size = shape.reduce((a, b) => a * b, 1);
    const cols = shape[shape.length - 1];
    const w = rng.fillNormal(new Float32Array(size));
    for (let r = 0; r < size / cols; r++) w[r * cols + 1] = 0; // an all-zero column (its gradient's second term is 0)
    const dy = rng.fillNormal(new Float32Array(size));
    const attrs = { eps: 1e-4, scale: 0.7 };
    const got = tf.tidy(() => [
      (tf.engine().runKernel('FlowWeightNorm', { w: tf.tensor(w, shape) }, attrs as never) as tf.Tensor).dataSync() as Float32Array,
      (tf.engine().runKernel('FlowWeightNormGrad', { w: tf.tensor(w, shape), dy: tf.tensor(dy, shape) }, attrs as never) as tf.Tensor).dataSync() as Float32Array,
    ]);
    const want = [new Float32Array(size), new Float32Array(size)];
    colNormalize(w, size / cols, 1e-4, 0.7, want[0]);
    colNormalizeGrad(w, dy, size / cols, 1e-4, 0.7, want[1]);
    expect(worst(got[0], want[0])).toBeLessThanOrEqual(1e-6);
    expect(worst(got[1], want[1])).toBeLessThanOrEqual(1e-6);
  });
});
