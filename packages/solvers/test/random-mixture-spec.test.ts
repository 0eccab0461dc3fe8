import { randomMixtureSpec } from '../src/random-mixture-spec';

test('randomMixtureSpec: seeded, means at the radius, weights summing to 1, stds in [std / 2, std]', () => {
  const a = randomMixtureSpec({ dim: 16, components: 5, radius: 3, std: 0.4, seed: 7 });
  expect(randomMixtureSpec({ dim: 16, components: 5, radius: 3, std: 0.4, seed: 7 })).toEqual(a);
  expect(randomMixtureSpec({ dim: 16, components: 5, radius: 3, std: 0.4, seed: 8 })).not.toEqual(a);
  a.means.forEach((m) => expect(Math.hypot(...m)).toBeCloseTo(3, 10));
  expect(a.weights.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
  a.stds.forEach((s) => {
    expect(s).toBeGreaterThanOrEqual(0.2);
    expect(s).toBeLessThanOrEqual(0.4);
  });
  expect(() => randomMixtureSpec({ dim: 0, components: 2 })).toThrow(/dim/);
});
