import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { solve } from '../src/solve';
import { trajectoryMetrics } from '../src/trajectory-metrics';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('trajectory metrics', () => {
  test('a constant field is straight: curvature 0, path-length ratio 1', () => {
    const v = (x: tf.Tensor) => tf.add(tf.mul(x, 0), tf.tensor1d([1, -2]));
    const x0 = tf.tensor2d([0, 0, 1, 1, -3, 2], [3, 2]);
    const r = solve(v, x0, { method: 'euler', steps: 8, trajectory: true });
    const m = trajectoryMetrics(v, r.times!, r.trajectory!);
    expect(m.curvature).toBeCloseTo(0, 10);
    expect(m.straightness).toBeCloseTo(0, 10);
    expect(m.pathLengthRatio).toBeCloseTo(1, 6);
    expect(m.nfe).toBe(9);
    tf.dispose([x0, r.x, r.trajectory!]);
  });

  test('a rotation field: curvature and straightness equal their closed forms', () => {
    // dx/dt = J x rotates by one radian over [0, 1]: x(t) = R(t) x0, v = R(t) J x0
    const v = (x: tf.Tensor) => tf.tidy(() => tf.matMul(x as tf.Tensor2D, tf.tensor2d([0, 1, -1, 0], [2, 2])));
    const pts = [1, 0, 0.5, -2, -1, 1];
    const x0 = tf.tensor2d(pts, [3, 2]);
    const before = tf.memory().numTensors;
    const r = solve(v, x0, { method: 'rk4', steps: 200, trajectory: true });
    const m = trajectoryMetrics(v, r.times!, r.trajectory!);
    tf.dispose([r.x, r.trajectory!]);
    expect(tf.memory().numTensors).toBe(before);
    // closed form, float64 (Simpson on 2000 intervals)
    let integral = 0;
    const N = 2000;
    for (let k = 0; k <= N; k++) {
      const t = k / N;
      let s = 0;
      for (let i = 0; i < 3; i++) {
        const [a, b] = [pts[2 * i], pts[2 * i + 1]];
        const chord = [Math.cos(1) * a - Math.sin(1) * b - a, Math.sin(1) * a + Math.cos(1) * b - b];
        const vt = [-(Math.sin(t) * a + Math.cos(t) * b), Math.cos(t) * a - Math.sin(t) * b];
        s += (chord[0] - vt[0]) ** 2 + (chord[1] - vt[1]) ** 2;
      }
      const w = k === 0 || k === N ? 1 : k % 2 ? 4 : 2;
      integral += (w * s) / 3 / N;
    }
    const expected = integral / 3 / 2; // mean over samples and dimensions
    expect(Math.abs(m.curvature - expected) / expected).toBeLessThan(1e-3);
    expect(m.straightness).toBeCloseTo(m.curvature * 2, 10);
    // chord 2 sin(1/2) r against arc r
    expect(m.pathLengthRatio).toBeCloseTo(2 * Math.sin(0.5), 3);
    x0.dispose();
  });
});
