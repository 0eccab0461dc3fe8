import { resizeBicubicAntialiased } from './resize';

describe('antialiased bicubic resize', () => {
  test('constant images stay constant (weights sum to 1), up and down', () => {
    const img = new Float32Array(28 * 28 * 3).fill(0.25);
    for (const [h, w] of [[299, 299], [14, 14], [7, 20]]) {
      const out = resizeBicubicAntialiased(img, 28, 28, 3, h, w);
      expect(out.length).toBe(h * w * 3);
      for (const v of out) expect(v).toBeCloseTo(0.25, 6);
    }
  });

  test('halving averages neighbouring pixels: a 1-pixel checkerboard becomes flat grey (no aliasing)', () => {
    const n = 32;
    const img = new Float32Array(n * n).map((_, i) => ((Math.floor(i / n) + (i % n)) % 2 === 0 ? 1 : 0));
    const out = resizeBicubicAntialiased(img, n, n, 1, n / 2, n / 2);
    // Interior pixels (away from the clamped border) are exactly 0.5 by symmetry of the stretched kernel.
    for (let y = 3; y < n / 2 - 3; y++) for (let x = 3; x < n / 2 - 3; x++) expect(out[y * (n / 2) + x]).toBeCloseTo(0.5, 5);
  });

  test('same size is the identity', () => {
    const img = Float32Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(resizeBicubicAntialiased(img, 2, 2, 3, 2, 2))).toEqual(Array.from(img));
  });
});
