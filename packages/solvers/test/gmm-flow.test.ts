import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { solve } from '../src/solve';
import { caseNames, loadCase, maxAbsDiff } from './reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const names = caseNames();
describe('GaussianMixtureFlow against fixtures/gmm-flow', () => {
  test.each(names)('%s: velocity at t = 0.37 matches', (name) => {
    const c = loadCase(name);
    const v = tf.tidy(() => c.flow.velocity(tf.tensor2d(c.x0, [c.n, c.dim]), c.probeT).dataSync());
    let scale = 0;
    for (const q of c.velocity) scale = Math.max(scale, Math.abs(q));
    const err = maxAbsDiff(v, c.velocity);
    console.log(`${name} velocity max abs err ${err.toExponential(2)} (max |v| ${scale.toFixed(2)})`);
    expect(err).toBeLessThan(1e-5 * Math.max(1, scale) * 4);
    // per-sample times give the same answer
    const v2 = tf.tidy(() => c.flow.velocity(tf.tensor2d(c.x0, [c.n, c.dim]), tf.fill([c.n], c.probeT) as tf.Tensor1D).dataSync());
    expect(maxAbsDiff(v2, v)).toBeLessThan(1e-6 * Math.max(1, scale));
    c.flow.dispose();
  });

  test.each(names)('%s: dopri5 trajectory matches the DOP853 reference', (name) => {
    const c = loadCase(name);
    const x0 = tf.tensor2d(c.x0, [c.n, c.dim]);
    const before = tf.memory().numTensors;
    const r = solve(c.flow.velocity, x0, { method: 'dopri5', rtol: 1e-6, atol: 1e-6, saveAt: c.times });
    const traj = r.trajectory!.dataSync();
    const x1 = r.x.dataSync();
    const size = c.n * c.dim;
    const errs = c.times.map((_, j) => maxAbsDiff(traj.subarray(j * size, (j + 1) * size), c.trajectory, j * size));
    console.log(`${name} dopri5 nfe ${r.nfe} steps ${r.steps} rejected ${r.rejected} max abs err per time ${errs.map((e) => e.toExponential(2)).join(' ')}`);
    for (const e of errs) expect(e).toBeLessThan(2e-4);
    expect(maxAbsDiff(x1, c.trajectory, (c.times.length - 1) * size)).toBeLessThan(2e-4);
    tf.dispose([r.x, r.trajectory!]);
    expect(tf.memory().numTensors).toBe(before);
    x0.dispose();
    c.flow.dispose();
  });
});
