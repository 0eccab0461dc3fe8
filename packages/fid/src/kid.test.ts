import { kernelInceptionDistance, mmdUnbiased } from './kid';

describe('KID', () => {
  test('hand-checked 1-D example: x = {0, 1}, y = {1, 2}, kernel (x y + 1)^3', () => {
    // k_xx(0,1) = 1 -> 2/(2*1) = 1; k_yy(1,2) = 27 -> 54/2 = 27; k_xy = 1 + 1 + 8 + 27 = 37 -> 2*37/4 = 18.5.
    const v = mmdUnbiased([0, 1], Int32Array.from([0, 1]), [1, 2], Int32Array.from([0, 1]), 1, 1);
    expect(v).toBeCloseTo(1 + 27 - 18.5, 12);
    const r = kernelInceptionDistance([0, 1], [1, 2], 1, { subsets: 3, subsetSize: 2 });
    expect(r.kid).toBeCloseTo(9.5, 12);
    expect(r.std).toBeCloseTo(0, 12);
  });

  test('invariants: symmetric, zero-mean for one distribution, positive for shifted ones', () => {
    let s = 11;
    const rand = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
    const d = 8;
    const a = new Float64Array(400 * d).map(rand);
    const b = new Float64Array(400 * d).map(rand);
    const c = new Float64Array(400 * d).map(() => rand() + 0.3);
    const same = kernelInceptionDistance(a, b, d, { subsets: 20, subsetSize: 200, seed: 1 });
    const diff = kernelInceptionDistance(a, c, d, { subsets: 20, subsetSize: 200, seed: 1 });
    expect(Math.abs(same.kid)).toBeLessThan(3 * same.std + 1e-3);
    expect(diff.kid).toBeGreaterThan(10 * Math.abs(same.kid));
    const xi = Int32Array.from({ length: 50 }, (_, i) => i);
    expect(mmdUnbiased(a, xi, c, xi, d, 1 / d)).toBeCloseTo(mmdUnbiased(c, xi, a, xi, d, 1 / d), 12);
  });
});
