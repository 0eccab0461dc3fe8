import { Rng } from '@flow/random';
import { linearProbe } from '../src/index';

describe('linearProbe (closed-form ridge classifier)', () => {
  // Three Gaussian classes in 5-D whose means differ in the first two coordinates only.
  function data(n: number, seed: number, spread: number) {
    const rng = new Rng(seed);
    const features = new Float64Array(n * 5);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % 3;
      labels[i] = c;
      for (let j = 0; j < 5; j++) features[i * 5 + j] = spread * rng.normal() + (j === 0 ? 4 * c : j === 1 ? 3 * (c === 1 ? 1 : 0) : 0) + 100;
    }
    return { features, labels };
  }

  it('separates separable classes perfectly and is at chance on pure noise', () => {
    const easy = linearProbe(data(300, 1, 0.1), data(150, 2, 0.1), 5);
    expect(easy).toEqual({ accuracy: 1, trainAccuracy: 1, classes: 3 });
    const noise = (seed: number, n: number) => {
      const rng = new Rng(seed);
      return { features: Float64Array.from({ length: n * 5 }, () => rng.normal()), labels: Int32Array.from({ length: n }, (_, i) => i % 3) };
    };
    const chance = linearProbe(noise(3, 600), noise(4, 3000), 5);
    expect(Math.abs(chance.accuracy - 1 / 3)).toBeLessThan(0.04);
  });

  it('classifies a one-feature threshold problem', () => {
    const features = new Float64Array([0, 1, 2, 3]);
    const labels = new Int32Array([0, 0, 1, 1]);
    const r = linearProbe({ features, labels }, { features: new Float64Array([0.4, 2.6]), labels: new Int32Array([0, 1]) }, 1, { lambda: 0.5 });
    expect(r).toEqual({ accuracy: 1, trainAccuracy: 1, classes: 2 });
  });
});
