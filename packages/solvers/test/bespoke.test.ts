import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from '@flow/runtime';
import { Rng } from '@flow/random';
import { BespokeSolver, bespokeParameterCount, coefficientTensors, coefficientsOf, identityParams } from '../src/bespoke-solver';
import { loadBespoke, saveBespoke } from '../src/bespoke-file';
import { GaussianMixtureFlow } from '../src/gaussian-mixture-flow';
import { solve } from '../src/solve';
import { bespokeGlobalLoss, bespokeLearningRate, bespokeLoss } from '../src/bespoke-loss';
import { trainBespoke } from '../src/train-bespoke';
import { dopri5 } from '../src/dopri5';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerGradients();
});

const spec = { weights: [0.5, 0.5], means: [[-2, 0], [2, 0.5]], stds: [0.4, 0.5] };

function noise(seed: number, n: number, d: number) {
  return tf.tensor2d(new Rng(seed).fillNormal(new Float32Array(n * d)), [n, d]);
}

describe('Bespoke solvers', () => {
  const flow = new GaussianMixtureFlow(spec);
  afterAll(() => flow.dispose());

  test('parameter counts are 4n-1 (RK1) and 8n-1 (RK2); 79 at RK2 n = 10', () => {
    expect(bespokeParameterCount('euler', 5)).toBe(19);
    expect(bespokeParameterCount('midpoint', 10)).toBe(79);
    expect(new BespokeSolver('midpoint', 4).nfe).toBe(8);
    expect(new BespokeSolver('euler', 6).nfe).toBe(6);
  });

  test('the initial parameters reproduce the base solver exactly', () => {
    const c = coefficientsOf(identityParams('midpoint', 4));
    c.t.forEach((t, j) => expect(t).toBeCloseTo(j / 8, 12));
    const x = noise(1, 16, 2);
    for (const [base, n] of [['euler', 6], ['midpoint', 4]] as const) {
      const b = new BespokeSolver(base, n).solve(flow.velocity, x);
      const ref = solve(flow.velocity, x, { method: base, steps: n });
      const bd = b.x.dataSync();
      const rd = ref.x.dataSync();
      for (let i = 0; i < bd.length; i++) expect(bd[i]).toBeCloseTo(rd[i], 5);
      expect(b.nfe).toBe(ref.nfe);
      tf.dispose([b.x, ref.x]);
    }
    x.dispose();
  });

  test('coefficient tensors equal the float64 coefficients and keep t monotone, s > 0', () => {
    const p = { tLogits: [0.3, -2, 1.5, 0.1], logDt: [0.1, -0.2, 0.3, 0], logS: [0.2, -0.1, 0.05, 0.3], ds: [0.5, -0.5, 0.1, 0] };
    const c = coefficientsOf(p);
    const ct = tf.tidy(() => {
      const t = coefficientTensors({ tLogits: tf.tensor1d(p.tLogits), logDt: tf.tensor1d(p.logDt), logS: tf.tensor1d(p.logS), ds: tf.tensor1d(p.ds) });
      return { t: Array.from(t.t.dataSync()), s: Array.from(t.s.dataSync()) };
    });
    ct.t.forEach((q, i) => expect(q).toBeCloseTo(c.t[i], 6));
    ct.s.forEach((q, i) => expect(q).toBeCloseTo(c.s[i], 6));
    for (let i = 1; i < c.t.length; i++) expect(c.t[i]).toBeGreaterThan(c.t[i - 1]);
    expect(c.t[c.t.length - 1]).toBe(1);
  });

  test('the scale-time transform is consistent: any s, t schedule still converges with many steps', () => {
    // a strongly non-trivial transform; as n grows the solver must approach the exact solution (order consistency)
    const x = noise(2, 32, 2);
    const exact = dopri5(flow.velocity, x, { rtol: 1e-7, atol: 1e-7 });
    const errs = [8, 32].map((n) => {
      // one smooth transform (t_r, s_r) with its true derivatives, sampled at r_j = j / M
      const M = 2 * n;
      const a = 1.2;
      const tr = (r: number) => (Math.exp(a * r) - 1) / (Math.exp(a) - 1);
      const r = (j: number) => j / M;
      const p = {
        tLogits: Array.from({ length: M }, (_, j) => Math.log(Math.expm1(tr(r(j + 1)) - tr(r(j))))),
        logDt: Array.from({ length: M }, (_, j) => Math.log((a * Math.exp(a * r(j))) / (Math.exp(a) - 1))),
        logS: Array.from({ length: M }, (_, j) => Math.log(1 + 0.3 * Math.sin(Math.PI * r(j + 1)))),
        ds: Array.from({ length: M }, (_, j) => 0.3 * Math.PI * Math.cos(Math.PI * r(j))),
      };
      const sol = new BespokeSolver('midpoint', n, p).solve(flow.velocity, x);
      const e = tf.tidy(() => Math.sqrt(tf.mean(tf.square(tf.sub(sol.x, exact.x))).dataSync()[0]));
      sol.x.dispose();
      return e;
    });
    // second order: 4x the steps, ~16x smaller error (asked: at least 8x)
    expect(errs[1]).toBeLessThan(errs[0] / 8);
    tf.dispose([x, exact.x]);
  });

  test('the loss gradient matches finite differences', () => {
    const n = 3;
    const base = 'midpoint' as const;
    const p0 = identityParams(base, n);
    p0.ds = p0.ds.map((_, j) => 0.1 * (j - 2.5)); // away from the kink of |s'|
    p0.logS = p0.logS.map((_, j) => 0.05 * j);
    const times = coefficientsOf(p0).t;
    const x0 = noise(3, 8, 2);
    const gtTimes = Array.from({ length: n + 1 }, (_, i) => times[2 * i]);
    const sol = dopri5(flow.velocity, x0, { rtol: 1e-6, atol: 1e-6, saveAt: gtTimes });
    const gt = tf.unstack(sol.trajectory!);
    const gtVel = gt.map((g, i) => tf.tidy(() => flow.velocity(g, gtTimes[i])));
    const lossAt = (p: typeof p0) =>
      tf.tidy(() => bespokeLoss(flow.velocity, base, n, coefficientTensors({ tLogits: tf.tensor1d(p.tLogits), logDt: tf.tensor1d(p.logDt), logS: tf.tensor1d(p.logS), ds: tf.tensor1d(p.ds) }), coefficientsOf(p).t, gt, gtVel).dataSync()[0]);
    const g = tf.tidy(() => {
      const vars = { tLogits: tf.tensor1d(p0.tLogits), logDt: tf.tensor1d(p0.logDt), logS: tf.tensor1d(p0.logS), ds: tf.tensor1d(p0.ds) };
      const f = (...a: tf.Tensor[]) => bespokeLoss(flow.velocity, base, n, coefficientTensors({ tLogits: a[0] as tf.Tensor1D, logDt: a[1] as tf.Tensor1D, logS: a[2] as tf.Tensor1D, ds: a[3] as tf.Tensor1D }), times, gt, gtVel);
      return tf.grads(f)([vars.tLogits, vars.logDt, vars.logS, vars.ds]).map((q) => Array.from(q.dataSync()));
    });
    const keys = ['logDt', 'logS', 'ds'] as const;
    const eps = 3e-3;
    keys.forEach((key, ki) => {
      for (const j of [0, 2, 5]) {
        const plus = structuredClone(p0);
        const minus = structuredClone(p0);
        plus[key][j] += eps;
        minus[key][j] -= eps;
        const fd = (lossAt(plus) - lossAt(minus)) / (2 * eps);
        expect(g[ki + 1][j]).toBeCloseTo(fd, 2);
      }
    });
    tf.dispose([x0, sol.x, sol.trajectory!, ...gt, ...gtVel]);
  });

  test('training lowers the loss, leaks no tensors, and saves / loads / refuses other models', () => {
    const before = tf.memory().numTensors;
    const r = trainBespoke(flow.velocity, { base: 'midpoint', nfe: 6, shape: [2], iterations: 20, batch: 32, validationSamples: 32, testSamples: 32, loss: 'bound', optimizer: 'adam', learningRate: 1e-2, seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.losses).toHaveLength(r.phases[0].iterations + 1);
    expect(r.finalLoss).toBeLessThan(r.initialLoss);
    expect(r.solver.nfe).toBe(6);

    const dir = mkdtempSync(path.join(tmpdir(), 'bespoke-'));
    const file = path.join(dir, 'p.json');
    saveBespoke(file, r.solver, flow.identity, { iterations: 20 });
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({ base: 'midpoint', nfe: 6, steps: 3, model: flow.identity, parameters: 23, training: { iterations: 20 } });
    const { solver } = loadBespoke(file, { identity: flow.identity });
    expect(solver.params).toEqual(r.solver.params);
    const other = new GaussianMixtureFlow({ ...spec, stds: [0.3, 0.5] });
    expect(other.identity).not.toBe(flow.identity);
    expect(() => loadBespoke(file, { identity: other.identity })).toThrow(/made for model/);
    expect(loadBespoke(file, { identity: other.identity, force: true }).solver.steps).toBe(3);
    other.dispose();
    writeFileSync(file, '{"format":"flow-bespoke-solver","version":1,"base":"rk4","steps":2,"model":"m","params":{}}');
    expect(() => loadBespoke(file)).toThrow(/base/);
    writeFileSync(file, 'nope');
    expect(() => loadBespoke(file)).toThrow(/JSON/);
  });

  test('the global loss equals the RMSE of the Bespoke solve against the endpoint; rmse training improves it', () => {
    const p = { tLogits: [0.3, -0.2, 0.5, 0.1], logDt: [0.1, -0.2, 0.3, 0], logS: [0.2, -0.1, 0.05, 0.3], ds: [0.5, -0.5, 0.1, 0] };
    const x = noise(5, 16, 2);
    const exact = dopri5(flow.velocity, x, { rtol: 1e-6, atol: 1e-6 });
    const sol = new BespokeSolver('midpoint', 2, p).solve(flow.velocity, x);
    const direct = tf.tidy(() => Math.sqrt(tf.mean(tf.square(tf.sub(sol.x, exact.x))).dataSync()[0]));
    const viaLoss = tf.tidy(() =>
      bespokeGlobalLoss(flow.velocity, 'midpoint', 2, coefficientTensors({ tLogits: tf.tensor1d(p.tLogits), logDt: tf.tensor1d(p.logDt), logS: tf.tensor1d(p.logS), ds: tf.tensor1d(p.ds) }), x, exact.x).dataSync()[0],
    );
    expect(viaLoss).toBeCloseTo(direct, 5);
    tf.dispose([x, exact.x, sol.x]);

    const before = tf.memory().numTensors;
    const r = trainBespoke(flow.velocity, { base: 'midpoint', nfe: 4, shape: [2], iterations: 30, batch: 64, validationSamples: 64, testSamples: 64, loss: 'rmse', seed: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.settings.loss).toBe('rmse');
    // held-out noise: the trained solver beats plain midpoint at the same NFE
    const held = noise(77, 128, 2);
    const ref = dopri5(flow.velocity, held, { rtol: 1e-6, atol: 1e-6 });
    const err = (y: tf.Tensor) => tf.tidy(() => Math.sqrt(tf.mean(tf.square(tf.sub(y, ref.x))).dataSync()[0]));
    const bes = r.solver.solve(flow.velocity, held).x;
    const mid = solve(flow.velocity, held, { method: 'midpoint', nfe: 4 }).x;
    expect(err(bes)).toBeLessThan(err(mid));
    tf.dispose([held, ref.x, bes, mid]);
  });

  test('learning-rate schedule: cosine from the peak to the final fraction', () => {
    expect(bespokeLearningRate(0, 100, 0.05, 'cosine', 0.02)).toBeCloseTo(0.05, 12);
    expect(bespokeLearningRate(99, 100, 0.05, 'cosine', 0.02)).toBeCloseTo(0.001, 12);
    expect(bespokeLearningRate(50, 100, 0.05, 'constant', 0.02)).toBe(0.05);
  });

  test('rejects an NFE the base cannot make', () => {
    expect(() => trainBespoke(flow.velocity, { base: 'midpoint', nfe: 7, shape: [2] })).toThrow(/multiple of 2/);
  });
});
