import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { GaussianMixtureFlow, type GaussianMixtureSpec } from '../src/gaussian-mixture-flow';
import { STAGES, type FixedStepMethod } from '../src/fixed-step';
import { solve } from '../src/solve';
import { timeGrid } from '../src/time-grid';
import { endpoint64 } from './gmm64';
import { caseNames, loadCase, rmsDiff } from './reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A smooth flow: broad, overlapping components, so the error constants are small and the asymptotic
// regime starts at a few steps; the float64 oracle keeps float32 rounding out of the picture.
const smooth: GaussianMixtureSpec = { weights: [0.3, 0.7], means: [[-1.5, 0.5], [1, -0.5]], stds: [0.8, 0.6] };
const n = 128;

function noise(seed: number, count: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(count));
}

describe('fixed-step orders on a smooth Gaussian-mixture flow', () => {
  const flow = new GaussianMixtureFlow(smooth);
  const x0 = noise(1, n * 2);
  const exact = endpoint64(smooth, x0, n, 1000);
  const expected: Record<FixedStepMethod, number> = { euler: 1, midpoint: 2, heun: 2, rk4: 4 };
  const ladders: Record<FixedStepMethod, number[]> = { euler: [32, 64, 128], midpoint: [8, 16, 32], heun: [8, 16, 32], rk4: [4, 8, 16] };

  test.each(Object.keys(expected) as FixedStepMethod[])('%s shows its order', (method) => {
    const x = tf.tensor2d(x0, [n, 2]);
    const errs = ladders[method].map((steps) => {
      const r = solve(flow.velocity, x, { method, nfe: steps * STAGES[method] });
      expect(r.nfe).toBe(steps * STAGES[method]);
      const e = rmsDiff(r.x.dataSync(), exact);
      r.x.dispose();
      return e;
    });
    const orders = errs.slice(1).map((e, i) => Math.log2(errs[i] / e));
    console.log(`${method}: rms errors ${errs.map((e) => e.toExponential(2)).join(' ')}, observed orders ${orders.map((o) => o.toFixed(2)).join(' ')}`);
    for (const o of orders) expect(Math.abs(o - expected[method])).toBeLessThan(0.35);
    x.dispose();
  });

  afterAll(() => flow.dispose());
});

describe('fixed-step convergence to the reference endpoints', () => {
  // The reference mixtures are sharp (stds 0.2-0.3 here), so the asymptotic regime needs more steps; the
  // d=64 and d=784 cases are checked through dopri5 in gmm-flow.test.ts (fixed steps there are slow on cpu).
  const ladders: Record<FixedStepMethod, [number, number]> = { euler: [32, 64], midpoint: [32, 64], heun: [32, 64], rk4: [32, 64] };
  const expected: Record<FixedStepMethod, number> = { euler: 1, midpoint: 2, heun: 2, rk4: 4 };
  test.each(caseNames().filter((c) => c.endsWith('_2d')))('%s', (name) => {
    const c = loadCase(name);
    const x = tf.tensor2d(c.x0, [c.n, c.dim]);
    const last = (c.times.length - 1) * c.n * c.dim;
    for (const method of Object.keys(ladders) as FixedStepMethod[]) {
      const [a, b] = ladders[method].map((steps) => {
        const r = solve(c.flow.velocity, x, { method, steps });
        const e = rmsDiff(r.x.dataSync(), c.trajectory, last);
        r.x.dispose();
        return e;
      });
      const order = Math.log2(a / b);
      console.log(`${name} ${method}: ${a.toExponential(2)} -> ${b.toExponential(2)}, order ${order.toFixed(2)}`);
      expect(Math.abs(order - expected[method])).toBeLessThan(0.35);
    }
    x.dispose();
    c.flow.dispose();
  });
});

describe('solver options', () => {
  const flow = new GaussianMixtureFlow(smooth);
  afterAll(() => flow.dispose());

  test('nfe must be a multiple of the stages', () => {
    const x = tf.zeros([2, 2]);
    expect(() => solve(flow.velocity, x, { method: 'rk4', nfe: 6 })).toThrow(/multiple of 4/);
    expect(() => solve(flow.velocity, x, { method: 'midpoint', nfe: 5 })).toThrow(/multiple of 2/);
    expect(() => solve(flow.velocity, x, { method: 'euler' })).toThrow(/give nfe, steps/);
    expect(() => solve(flow.velocity, x, { method: 'dopri5', nfe: 8 })).toThrow(/rtol\/atol/);
    try {
      solve(flow.velocity, x, { method: 'heun', nfe: 3 });
    } catch (e) {
      expect((e as { kind?: string }).kind).toBe('input');
    }
    x.dispose();
  });

  test('grids: uniform, polynomial, edm and user arrays', () => {
    expect(timeGrid(4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const p = timeGrid(4, { kind: 'polynomial', rho: 2 });
    expect(p[0]).toBe(0);
    expect(p[4]).toBe(1);
    expect(p[1]).toBeCloseTo(1 - 0.75 ** 2, 12);
    const e = timeGrid(10, { kind: 'edm' });
    for (let i = 1; i < e.length; i++) expect(e[i]).toBeGreaterThan(e[i - 1]);
    expect(() => timeGrid(2, [0, 0.5, 0.4, 1])).toThrow(/increasing/);
    const x = tf.tensor2d(noise(3, 8), [4, 2]);
    const r = solve(flow.velocity, x, { method: 'heun', grid: [0, 0.3, 0.7, 1] });
    expect(r.nfe).toBe(6);
    expect(r.steps).toBe(3);
    tf.dispose([x, r.x]);
  });

  test('trajectory saving keeps no tensor alive that was not returned', () => {
    const x = tf.tensor2d(noise(4, 64), [32, 2]);
    const before = tf.memory().numTensors;
    for (const method of ['euler', 'midpoint', 'heun', 'rk4'] as const) {
      const plain = solve(flow.velocity, x, { method, steps: 5 });
      const r = solve(flow.velocity, x, { method, steps: 5, trajectory: true });
      expect(r.trajectory!.shape).toEqual([6, 32, 2]);
      expect(r.times).toHaveLength(6);
      const traj = r.trajectory!.arraySync() as number[][][];
      const xs = r.x.arraySync() as number[][];
      expect(traj[5]).toEqual(xs);
      expect(traj[0]).toEqual(x.arraySync());
      expect(Array.from(plain.x.dataSync())).toEqual(Array.from(r.x.dataSync()));
      tf.dispose([plain.x, r.x, r.trajectory!]);
      expect(tf.memory().numTensors).toBe(before);
    }
    const d = solve(flow.velocity, x, { method: 'dopri5', saveAt: [0, 0.1, 0.5, 1] });
    expect(d.trajectory!.shape).toEqual([4, 32, 2]);
    tf.dispose([d.x, d.trajectory!]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  test('image-shaped batches work unchanged (batch first, any rank)', () => {
    const field = (x: tf.Tensor) => tf.neg(x);
    const x = tf.ones([3, 4, 4, 1]);
    const r = solve(field, x, { method: 'rk4', steps: 8 });
    expect(r.x.shape).toEqual([3, 4, 4, 1]);
    // dx/dt = -x: x(1) = e^-1
    for (const q of r.x.dataSync()) expect(q).toBeCloseTo(Math.exp(-1), 5);
    tf.dispose([x, r.x]);
  });

  test('dopri5 counts its evaluations (FSAL: 2 + 6 per attempted step)', () => {
    let calls = 0;
    const field = (x: tf.Tensor, t: tf.Tensor1D | number) => {
      calls++;
      return flow.velocity(x, t);
    };
    const x = tf.tensor2d(noise(5, 64), [32, 2]);
    const r = solve(field, x, { method: 'dopri5', rtol: 1e-5, atol: 1e-5 });
    expect(r.nfe).toBe(calls);
    expect(r.nfe).toBe(2 + 6 * (r.steps + r.rejected));
    calls = 0;
    const r2 = solve(field, x, { method: 'dopri5', rtol: 1e-5, atol: 1e-5, firstStep: 0.05 });
    expect(r2.nfe).toBe(calls);
    expect(r2.nfe).toBe(1 + 6 * (r2.steps + r2.rejected));
    tf.dispose([x, r.x, r2.x]);
  });
});
