import { Rng } from '@flow/random';
import { getNativeThreads, isNativeAvailable, matMulABt, NativeInputError, poolCentre, poolDistances, poolGreedy, setNativeThreads } from '../src';

// The DANSM pool pieces against transcriptions of @flow/matching's JS path: the same bits, not a tolerance.
const suite = isNativeAvailable() ? describe : describe.skip;

function bits(a: Float32Array | Float64Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

suite('DANSM pool kernel pieces (poolCentre, poolDistances, poolGreedy)', () => {
  const [rows, cols, dim] = [37, 1001, 70]; // above the serial threshold; uneven pieces and a tail
  const rng = new Rng(21);
  const z = rng.fillNormal(new Float32Array(cols * dim)).map((v) => v * 3 + 0.5);
  const x = rng.fillNormal(new Float32Array(rows * dim));

  // @flow/matching's centreRows and dotsToDistances, as they run in JS.
  const centreJs = (a: Float32Array, n: number, mean: Float64Array) => {
    const out = new Float32Array(n * dim);
    const norms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const v = (out[i * dim + k] = a[i * dim + k]! - mean[k]!);
        s += v * v;
      }
      norms[i] = s;
    }
    return { out, norms };
  };
  const meanJs = new Float64Array(dim);
  for (let o = 0; o < z.length; o += dim) for (let k = 0; k < dim; k++) meanJs[k] += z[o + k]!;
  for (let k = 0; k < dim; k++) meanJs[k] /= cols;

  test('centring, norms and distances are the JS path bit for bit, for 1 and 2 threads', () => {
    const zJs = centreJs(z, cols, meanJs);
    const xJs = centreJs(x, rows, meanJs);
    const dJs = new Float32Array(rows * cols);
    matMulABt(xJs.out, zJs.out, dJs, rows, cols, dim);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        const v = xJs.norms[i]! + zJs.norms[j]! - 2 * dJs[i * cols + j]!;
        dJs[i * cols + j] = v > 0 ? v : v === v ? 0 : v;
      }
    const before = getNativeThreads();
    try {
      for (const threads of [1, 2]) {
        setNativeThreads(threads);
        const mean = new Float64Array(dim);
        const zc = new Float32Array(cols * dim);
        const nz = new Float64Array(cols);
        poolCentre(z, cols, dim, true, mean, zc, nz);
        expect(bits(mean).equals(bits(meanJs))).toBe(true);
        expect(bits(zc).equals(bits(zJs.out))).toBe(true);
        expect(bits(nz).equals(bits(zJs.norms))).toBe(true);
        const xc = new Float32Array(rows * dim);
        const nx = new Float64Array(rows);
        poolCentre(x, rows, dim, false, mean, xc, nx);
        expect(bits(nx).equals(bits(xJs.norms))).toBe(true);
        const d = new Float32Array(rows * cols);
        poolDistances(xc, rows, zc, cols, dim, nx, nz, d);
        expect(bits(d).equals(bits(dJs))).toBe(true);
      }
    } finally {
      setNativeThreads(before);
    }
  });

  test('the greedy rule: first minimum in `free` order, ties and non-finite rows as the JS scan', () => {
    // Small integers: many exact ties; a row of NaN takes the first free column.
    const c = new Float32Array(6 * 8).map(() => Math.floor(rng.uniform() * 3));
    c.fill(NaN, 2 * 8, 3 * 8);
    const free = Int32Array.from([7, 3, 0, 5, 1, 6]);
    const js = Array.from(free);
    const expected: number[] = [];
    for (let b = 0; b < 6 && js.length; b++) {
      let [best, at] = [Infinity, 0];
      js.forEach((col, t) => {
        if (c[b * 8 + col]! < best) [best, at] = [c[b * 8 + col]!, t];
      });
      expected.push(js.splice(at, 1)[0]!);
    }
    const pick = new Int32Array(6).fill(-1);
    expect(poolGreedy(c, 6, 8, free, 6, pick)).toBe(6);
    expect(Array.from(pick)).toEqual(expected);
    const pick2 = new Int32Array(4).fill(-1);
    expect(poolGreedy(c, 4, 8, Int32Array.from([2, 4]), 2, pick2)).toBe(2);
    expect(pick2[2]).toBe(-1);
    expect(() => poolGreedy(c, 2, 8, Int32Array.from([9]), 1, pick2)).toThrow(NativeInputError);
    expect(() => poolDistances(x, rows, z, cols, dim, new Float64Array(rows), new Float64Array(2), new Float32Array(rows * cols))).toThrow(/nz holds 2/);
    expect(() => poolCentre(z, 0, dim, true, new Float64Array(dim), z, new Float64Array(1))).toThrow(/n: expected a positive integer/);
  });
});
