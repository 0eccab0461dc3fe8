import { Rng } from '@flow/random';
import { peakGflops, batchMatMul, clipByValueGrad, colNormalize, colNormalizeGrad, down2x, mpCat, mpCatGrad, mpSiluMod, mpSiluModGrad, up2x, matMulABt, conv2dBackpropFilter, rowNormalize, rowNormalizeGrad, conv2dBackpropInput, conv2dForward, getNativeThreads, isNativeAvailable, mpSilu, mpSiluGrad, mpSum, nativeInfo, nativeUnavailableReason, NativeInputError, setNativeThreads, type Conv2DGeometry } from '../src';

// The addon against plain-JS float64 references (the runtime's tests compare it with tfjs's cpu backend through
// tf.grads). Tolerance: |native - reference| <= 1e-5 * (1 + |reference|), float32 sums of <= 300 terms.
const available = isNativeAvailable();
if (!available) console.warn(`@flow/native tests skipped: ${nativeUnavailableReason()}`);
const suite = available ? describe : describe.skip;

function normals(rng: Rng, n: number): Float32Array {
  return rng.fillNormal(new Float32Array(n));
}

function expectNear(actual: Float32Array, expected: Float64Array, label: string): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  if (!(worst <= 1e-5)) throw new Error(`${label}: worst relative difference ${worst}`);
}

/** y[n, oy, ox, co] = sum x[n, oy*s - pt + ky*d, ox*s - pl + kx*d, c] f[ky, kx, c, co], in float64. */
function convReference(g: Conv2DGeometry, x: Float32Array, f: Float32Array): Float64Array {
  const y = new Float64Array(g.batchSize * g.outHeight * g.outWidth * g.outChannels);
  for (let n = 0; n < g.batchSize; n++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++)
        for (let ky = 0; ky < g.filterHeight; ky++)
          for (let kx = 0; kx < g.filterWidth; kx++) {
            const iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight;
            const ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth;
            if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) continue;
            for (let c = 0; c < g.inChannels; c++) {
              const xv = x[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c];
              for (let co = 0; co < g.outChannels; co++) y[((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + co] += xv * f[((ky * g.filterWidth + kx) * g.inChannels + c) * g.outChannels + co];
            }
          }
  return y;
}

function geometry(n: number, h: number, w: number, c: number, k: number, co: number, s: number, pad: number): Conv2DGeometry {
  const oh = Math.floor((h + 2 * pad - k) / s) + 1;
  const ow = Math.floor((w + 2 * pad - k) / s) + 1;
  return { batchSize: n, inHeight: h, inWidth: w, inChannels: c, filterHeight: k, filterWidth: k, outChannels: co, outHeight: oh, outWidth: ow, strideHeight: s, strideWidth: s, dilationHeight: 1, dilationWidth: 1, padTop: pad, padLeft: pad };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

suite('@flow/native', () => {
  it('reports what it is', () => {
    const info = nativeInfo();
    expect(info.available).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.blasCore.length).toBeGreaterThan(0);
  });

  it.each([
    [geometry(2, 6, 7, 3, 3, 4, 1, 1)],
    [geometry(1, 9, 8, 5, 3, 2, 2, 1)],
    [geometry(2, 5, 5, 8, 1, 6, 1, 0)],
    // The direct 3x3 path (output channels in 16s, AVX-512): 32 + 16 lanes, 13 = 2 x 6 + 1 pixels per row.
    [geometry(2, 7, 13, 5, 3, 48, 1, 1)],
    [geometry(3, 4, 9, 16, 3, 16, 1, 1)],
  ])('conv2d forward matches the float64 loop, and both backprops are its adjoints %#', (g) => {
    const rng = new Rng(3);
    const x = normals(rng, g.batchSize * g.inHeight * g.inWidth * g.inChannels);
    const f = normals(rng, g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
    const y = new Float32Array(g.batchSize * g.outHeight * g.outWidth * g.outChannels);
    conv2dForward(x, f, y, g);
    expectNear(y, convReference(g, x, f), 'forward');
    // <conv(x, f), dy> = <x, dx(dy)> = <f, df(x, dy)> for the exact adjoints.
    const dy = normals(rng, y.length);
    const dx = new Float32Array(x.length);
    const df = new Float32Array(f.length);
    conv2dBackpropInput(dy, f, dx, g);
    conv2dBackpropFilter(x, dy, df, g);
    const ref = dot(convReference(g, x, f), dy);
    expect(Math.abs(dot(x, dx) - ref)).toBeLessThan(1e-4 * (1 + Math.abs(ref)));
    expect(Math.abs(dot(f, df) - ref)).toBeLessThan(1e-4 * (1 + Math.abs(ref)));
  });

  it('batchMatMul with transposes and operand indices', () => {
    const rng = new Rng(4);
    const [m, n, k] = [3, 4, 5];
    const a = normals(rng, 2 * k * m); // two a matrices stored transposed [k, m]
    const b = normals(rng, n * k); // one b stored transposed [n, k]
    const out = new Float32Array(2 * m * n);
    batchMatMul(a, b, out, 2, m, n, k, { transposeA: true, transposeB: true, aIndex: new Int32Array([1, 0]), bIndex: new Int32Array([0, 0]) });
    const ref = new Float64Array(out.length);
    for (let i = 0; i < 2; i++)
      for (let r = 0; r < m; r++)
        for (let c = 0; c < n; c++) for (let j = 0; j < k; j++) ref[(i * m + r) * n + c] += a[(1 - i) * k * m + j * m + r] * b[c * k + j];
    expectNear(out, ref, 'batchMatMul');
  });

  it('matMulABt (a . b^T, pieces over the columns) against a float64 reference and batchMatMul, same bits for 1 and 3 threads', () => {
    const rng = new Rng(12);
    const [m, n, k] = [37, 1001, 70]; // above the serial threshold; 1001 columns: uneven pieces and a tail
    const a = normals(rng, m * k);
    const b = normals(rng, n * k);
    const ref = new Float64Array(m * n);
    for (let r = 0; r < m; r++) for (let c = 0; c < n; c++) for (let j = 0; j < k; j++) ref[r * n + c] += a[r * k + j] * b[c * k + j];
    const before = getNativeThreads();
    const run = (threads: number) => {
      setNativeThreads(threads);
      const out = new Float32Array(m * n);
      matMulABt(a, b, out, m, n, k);
      return out;
    };
    try {
      const one = run(1);
      expectNear(one, ref, 'matMulABt');
      expect(Buffer.from(run(3).buffer).equals(Buffer.from(one.buffer))).toBe(true);
    } finally {
      setNativeThreads(before);
    }
    const small = new Float32Array(2 * 3);
    matMulABt(a.subarray(0, 2 * 4), b.subarray(0, 3 * 4), small, 2, 3, 4);
    const viaBatch = new Float32Array(6);
    batchMatMul(a.subarray(0, 8), b.subarray(0, 12), viaBatch, 1, 2, 3, 4, { transposeB: true });
    expect(Array.from(small)).toEqual(Array.from(viaBatch));
    expect(() => matMulABt(a, b, new Float32Array(10), m, n, k)).toThrow(NativeInputError);
    expect(() => matMulABt(a, b, new Float32Array(m * n), m, 0, k)).toThrow(/n: expected a positive integer/);
  });

  it.each([[geometry(2, 7, 13, 48, 3, 5, 1, 1)], [geometry(3, 4, 9, 16, 3, 32, 1, 1)], [geometry(2, 5, 6, 7, 3, 16, 1, 1)], [geometry(2, 6, 7, 3, 3, 4, 1, 1)]])(
    'conv2d backprop-input and backprop-filter match float64 loops %#',
    (g) => {
      const rng = new Rng(21);
      const f = normals(rng, 9 * g.inChannels * g.outChannels);
      const dy = normals(rng, g.batchSize * g.outHeight * g.outWidth * g.outChannels);
      const dx = new Float32Array(g.batchSize * g.inHeight * g.inWidth * g.inChannels);
      conv2dBackpropInput(dy, f, dx, g);
      const ref = new Float64Array(dx.length);
      for (let n = 0; n < g.batchSize; n++)
        for (let oy = 0; oy < g.outHeight; oy++)
          for (let ox = 0; ox < g.outWidth; ox++)
            for (let t = 0; t < 9; t++) {
              const iy = oy - g.padTop + Math.floor(t / 3);
              const ix = ox - g.padLeft + (t % 3);
              if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) continue;
              for (let ci = 0; ci < g.inChannels; ci++)
                for (let o = 0; o < g.outChannels; o++)
                  ref[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + ci] += dy[((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + o] * f[(t * g.inChannels + ci) * g.outChannels + o];
            }
      expectNear(dx, ref, 'backprop-input');
      // df[t, ci, o] = sum over output pixels of x at the tap's input pixel times dy.
      const x = normals(rng, dx.length);
      const df = new Float32Array(f.length);
      conv2dBackpropFilter(x, dy, df, g);
      const refF = new Float64Array(f.length);
      for (let n = 0; n < g.batchSize; n++)
        for (let oy = 0; oy < g.outHeight; oy++)
          for (let ox = 0; ox < g.outWidth; ox++)
            for (let t = 0; t < 9; t++) {
              const iy = oy - g.padTop + Math.floor(t / 3);
              const ix = ox - g.padLeft + (t % 3);
              if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) continue;
              for (let ci = 0; ci < g.inChannels; ci++)
                for (let o = 0; o < g.outChannels; o++)
                  refF[(t * g.inChannels + ci) * g.outChannels + o] += x[((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + ci] * dy[((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + o];
            }
      expectNear(df, refF, 'backprop-filter');
    },
  );

  it('fused elementwise ops (mp_silu and its gradient, clip gradient, mp_sum)', () => {
    const rng = new Rng(5);
    const x = normals(rng, 140_000); // above the parallel threshold (131072)
    const dy = normals(rng, x.length);
    const y = new Float32Array(x.length);
    const dx = new Float32Array(x.length);
    mpSilu(x, y);
    mpSiluGrad(x, dy, dx);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expectNear(y, Float64Array.from(x, (v) => (v * sig(v)) / 0.596), 'mpSilu');
    expectNear(dx, Float64Array.from(x, (v, i) => (dy[i] * sig(v) * (1 + v * (1 - sig(v)))) / 0.596), 'mpSiluGrad');
    const c = new Float32Array(x.length);
    clipByValueGrad(x, dy, -0.5, 1, c);
    expectNear(c, Float64Array.from(x, (v, i) => (v >= -0.5 && v <= 1 ? dy[i] : 0)), 'clipByValueGrad');
    // Row normalisation over rows of 20 (the last row all zeros: its gradient is dy / eps).
    const c20 = 20;
    const xr = x.slice(0, 2000);
    xr.fill(0, 1980);
    const yr = new Float32Array(xr.length);
    const dr = new Float32Array(xr.length);
    rowNormalize(xr, c20, 1e-4, yr);
    rowNormalizeGrad(xr, dy.subarray(0, 2000), c20, 1e-4, dr);
    const refY = new Float64Array(xr.length);
    const refD = new Float64Array(xr.length);
    for (let r = 0; r < xr.length / c20; r++) {
      let ss = 0;
      let dot = 0;
      for (let j = 0; j < c20; j++) {
        ss += xr[r * c20 + j] ** 2;
        dot += xr[r * c20 + j] * dy[r * c20 + j];
      }
      const norm = Math.sqrt(ss);
      const d = 1e-4 + norm / Math.sqrt(c20);
      for (let j = 0; j < c20; j++) {
        const i = r * c20 + j;
        refY[i] = xr[i] / d;
        refD[i] = dy[i] / d - (norm > 0 ? (xr[i] * dot) / (d * d * norm * Math.sqrt(c20)) : 0);
      }
    }
    expectNear(yr, refY, 'rowNormalize');
    expectNear(dr.subarray(0, 1980), refD.subarray(0, 1980), 'rowNormalizeGrad');
    // The zero row: dx = dy / eps, compared relative to its 1e4-sized entries.
    expectNear(Float32Array.from(dr.subarray(1980), (v) => v / 1e4), refD.subarray(1980).map((v) => v / 1e4), 'rowNormalizeGrad (zero row)');
    const s = new Float32Array(x.length);
    mpSum(x, dy, 0.3, 0.7, s);
    expectNear(s, Float64Array.from(x, (v, i) => 0.3 * v + 0.7 * dy[i]), 'mpSum');
  });

  it('mp_cat and its gradient (rows of a and b, scaled, side by side)', () => {
    const rng = new Rng(11);
    const [rows, na, nb] = [5000, 16, 32]; // 240k outputs: above the parallel threshold
    const a = normals(rng, rows * na);
    const b = normals(rng, rows * nb);
    const y = new Float32Array(rows * (na + nb));
    mpCat(a, b, na, nb, 0.7, -1.3, y);
    const ref = Float64Array.from(y, (_, i) => {
      const [r, j] = [Math.floor(i / (na + nb)), i % (na + nb)];
      return j < na ? 0.7 * a[r * na + j] : -1.3 * b[r * nb + j - na];
    });
    expectNear(y, ref, 'mpCat');
    const da = new Float32Array(a.length);
    const db = new Float32Array(b.length);
    mpCatGrad(y, na, nb, 2, 3, da, db);
    expectNear(da, Float64Array.from(a, (v) => 1.4 * v), 'mpCatGrad a');
    expectNear(db, Float64Array.from(b, (v) => -3.9 * v), 'mpCatGrad b');
    expect(() => mpCat(a, b, na, nb, 1, 1, new Float32Array(10))).toThrow(/y holds 10 floats/);
  });

  it('weight normalisation over the fan-in of each column, with its scale, and its gradient', () => {
    const rng = new Rng(12);
    const [fanIn, cols, s] = [3 * 3 * 8, 12, 0.37];
    const w = normals(rng, fanIn * cols);
    for (let i = 0; i < fanIn; i++) w[i * cols + 5] = 0; // a zero column: its gradient is s dy / eps
    const dy = normals(rng, w.length);
    const y = new Float32Array(w.length);
    const dw = new Float32Array(w.length);
    colNormalize(w, fanIn, 1e-4, s, y);
    colNormalizeGrad(w, dy, fanIn, 1e-4, s, dw);
    const refY = new Float64Array(w.length);
    const refD = new Float64Array(w.length);
    for (let j = 0; j < cols; j++) {
      let ss = 0;
      let dot = 0;
      for (let i = 0; i < fanIn; i++) {
        ss += w[i * cols + j] ** 2;
        dot += w[i * cols + j] * dy[i * cols + j];
      }
      const norm = Math.sqrt(ss);
      const d = 1e-4 + norm / Math.sqrt(fanIn);
      for (let i = 0; i < fanIn; i++) {
        const o = i * cols + j;
        refY[o] = (s * w[o]) / d;
        refD[o] = s * (dy[o] / d - (norm > 0 ? (w[o] * dot) / (d * d * norm * Math.sqrt(fanIn)) : 0));
      }
    }
    expectNear(y, refY, 'colNormalize');
    // Compared relative to 1e4: the zero column's entries are s dy / eps.
    expectNear(Float32Array.from(dw, (v) => v / 1e4), refD.map((v) => v / 1e4), 'colNormalizeGrad');
    expect(() => colNormalize(w, 7, 1e-4, 1, y)).toThrow(/whole rows/);
  });

  it('modulated mp_silu (per-image channel scales) and its gradient', () => {
    const rng = new Rng(13);
    const [n, hw, c] = [3, 49, 32]; // 4704 values per image
    const x = normals(rng, n * hw * c);
    const s = normals(rng, n * c);
    const dy = normals(rng, x.length);
    const y = new Float32Array(x.length);
    const dx = new Float32Array(x.length);
    const ds = new Float32Array(s.length);
    mpSiluMod(x, s, hw, c, y);
    mpSiluModGrad(x, s, dy, hw, c, dx, ds);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const scaleOf = (i: number) => s[Math.floor(i / (hw * c)) * c + (i % c)];
    const g = Float64Array.from(x, (v, i) => {
      const z = v * scaleOf(i);
      return (dy[i] * sig(z) * (1 + z * (1 - sig(z)))) / 0.596;
    });
    expectNear(y, Float64Array.from(x, (v, i) => (v * scaleOf(i) * sig(v * scaleOf(i))) / 0.596), 'mpSiluMod');
    expectNear(dx, Float64Array.from(g, (v, i) => v * scaleOf(i)), 'mpSiluModGrad dx');
    const refS = new Float64Array(s.length);
    g.forEach((v, i) => (refS[Math.floor(i / (hw * c)) * c + (i % c)] += v * x[i]));
    expectNear(ds, refS, 'mpSiluModGrad ds');
  });

  it('2x2 box down- and upsampling (each the adjoint of the other)', () => {
    const rng = new Rng(14);
    const [n, h, w, c] = [2, 6, 4, 5];
    const x = normals(rng, n * h * w * c);
    const d = new Float32Array(x.length / 4);
    down2x(x, h, w, c, 0.25, d);
    const at = (img: number, yy: number, xx: number, ch: number) => x[((img * h + yy) * w + xx) * c + ch];
    const refD = Float64Array.from(d, (_, i) => {
      const ch = i % c;
      const ox = Math.floor(i / c) % (w / 2);
      const oy = Math.floor(i / (c * (w / 2))) % (h / 2);
      const img = Math.floor(i / (c * (w / 2) * (h / 2)));
      return 0.25 * (at(img, 2 * oy, 2 * ox, ch) + at(img, 2 * oy, 2 * ox + 1, ch) + at(img, 2 * oy + 1, 2 * ox, ch) + at(img, 2 * oy + 1, 2 * ox + 1, ch));
    });
    expectNear(d, refD, 'down2x');
    const u = new Float32Array(x.length);
    up2x(d, h / 2, w / 2, c, 2, u);
    const refU = Float64Array.from(u, (_, i) => {
      const ch = i % c;
      const xx = Math.floor(i / c) % w;
      const yy = Math.floor(i / (c * w)) % h;
      const img = Math.floor(i / (c * w * h));
      return 2 * d[((img * (h / 2) + (yy >> 1)) * (w / 2) + (xx >> 1)) * c + ch];
    });
    expectNear(u, refU, 'up2x');
    expect(() => down2x(x.subarray(0, 2 * 5 * 4 * 5), 5, 4, 5, 1, d)).toThrow(/even/);
  });

  it('measures its peak FMA rate on the instruction set picked at run time', () => {
    const p = peakGflops(1, 0.02);
    expect(['avx512 fma', 'avx2 fma', 'sse (mul+add)']).toContain(p.isa);
    expect(p.gflops).toBeGreaterThan(0.5);
    expect(() => peakGflops(0)).toThrow(NativeInputError);
  });

  it('gives bit-identical results for a fixed thread count', () => {
    const g = geometry(4, 12, 12, 16, 3, 16, 1, 1);
    const rng = new Rng(6);
    const x = normals(rng, 4 * 12 * 12 * 16);
    const dy = normals(rng, 4 * 12 * 12 * 16);
    const runs = [0, 1].map(() => {
      const df = new Float32Array(9 * 16 * 16);
      conv2dBackpropFilter(x, dy, df, g);
      return Buffer.from(df.buffer);
    });
    expect(runs[1].equals(runs[0])).toBe(true);
  });

  it('gives the same bits for 1 and 2 threads (work is split by the problem, not by the thread count)', () => {
    const g = geometry(8, 16, 16, 16, 3, 32, 1, 1);
    const rng = new Rng(8);
    const x = normals(rng, 8 * 16 * 16 * 16);
    const dy = normals(rng, 8 * 16 * 16 * 32);
    const before = getNativeThreads();
    const run = (threads: number) => {
      setNativeThreads(threads);
      const df = new Float32Array(9 * 16 * 32);
      conv2dBackpropFilter(x, dy, df, g);
      const dw = new Float32Array(16 * 32); // a pointwise weight gradient: x^T dy, the reduction split in pieces
      batchMatMul(x, dy, dw, 1, 16, 32, 8 * 16 * 16, { transposeA: true });
      const dx = new Float32Array(x.length);
      conv2dBackpropInput(dy, normals(new Rng(9), 9 * 16 * 32), dx, g);
      return Buffer.concat([Buffer.from(df.buffer), Buffer.from(dw.buffer), Buffer.from(dx.buffer)]);
    };
    try {
      expect(run(2).equals(run(1))).toBe(true);
    } finally {
      setNativeThreads(before);
    }
  });

  it('rejects bad input with NativeInputError naming the field', () => {
    const g = geometry(1, 4, 4, 2, 3, 2, 1, 1);
    expect(() => conv2dForward(new Float32Array(3), new Float32Array(36), new Float32Array(32), g)).toThrow(NativeInputError);
    expect(() => conv2dForward(new Float32Array(32), new Float32Array(36), new Float32Array(32), { ...g, strideHeight: 0 })).toThrow(/geometry.strideHeight/);
    expect(() => setNativeThreads(0)).toThrow(/threads: expected a positive integer/);
    const before = getNativeThreads();
    setNativeThreads(1);
    expect(getNativeThreads()).toBe(1);
    setNativeThreads(before);
  });
});
