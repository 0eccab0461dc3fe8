import { classicEmaBeta } from './classic-ema';
import { emaUpdate } from './ema-update';
import { solveLinear } from './solve-linear';
import { accumulateWeighted } from './accumulate';

describe('classic EMA', () => {
  test('warm-up rules', () => {
    expect(classicEmaBeta(5, { decay: 0.999 })).toBe(0.999);
    expect(classicEmaBeta(1, { decay: 0.999, warmup: 'inverse' })).toBeCloseTo(2 / 11, 15);
    expect(classicEmaBeta(100000, { decay: 0.999, warmup: 'inverse' })).toBe(0.999);
    // EDM: half-life min(h, 0.05 t); beta = 0.5^(1/half-life).
    const h = Math.log(0.5) / Math.log(0.999);
    expect(classicEmaBeta(100, { decay: 0.999, warmup: 'rampup' })).toBeCloseTo(0.5 ** (1 / 5), 15);
    expect(classicEmaBeta(1e6, { decay: 0.999, warmup: 'rampup' })).toBeCloseTo(0.5 ** (1 / h), 15);
    expect(() => classicEmaBeta(1, { decay: 1 })).toThrow(/decay must be in/);
  });
  test('emaUpdate lerps in place', () => {
    const e = Float64Array.of(1, 2);
    emaUpdate(e, [3, 2], 0.75);
    expect(Array.from(e)).toEqual([1.5, 2]);
    expect(() => emaUpdate(e, [1], 0.5)).toThrow(/differ in length/);
  });
});

describe('solveLinear', () => {
  test('solves a system that needs pivoting, and refuses a singular one', () => {
    const a = Float64Array.of(0, 2, 1, 1, 1, 0, 3, 0, 1);
    const x = solveLinear(a, Float64Array.of(5, 3, 4), 3);
    expect(Array.from(x).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 2, 1]);
    expect(() => solveLinear(Float64Array.of(1, 2, 2, 4), Float64Array.of(1, 1), 2)).toThrow(/singular/);
  });
});

describe('accumulateWeighted', () => {
  test.each([0, 1, 2, 3, 4, 5, 7, 9])('%p arrays', (k) => {
    const n = 13;
    const ds = Array.from({ length: k }, (_, j) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 3 + j)));
    const cs = Array.from({ length: k }, (_, j) => (j % 2 ? -0.5 : 1.5) / (j + 1));
    const acc = Float64Array.from({ length: n }, (_, i) => i);
    accumulateWeighted(acc, cs, ds);
    for (let i = 0; i < n; i++) {
      let want = i;
      for (let j = 0; j < k; j++) want += cs[j]! * ds[j]![i]!;
      expect(acc[i]).toBeCloseTo(want, 13);
    }
  });
});
