import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { bitsPerDim } from '../src/bits-per-dim';
import { dequantizeUint8 } from '../src/dequantize-uint8';
import { GaussianMixtureFlow } from '../src/gaussian-mixture-flow';
import { gaussianMixtureLogDensity } from '../src/gaussian-mixture-log-density';
import { logLikelihood } from '../src/log-likelihood';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A flow toward a mixture, and n rows of x: half drawn from it, half off it (the density must hold everywhere). */
function setup(spec: ConstructorParameters<typeof GaussianMixtureFlow>[0], n: number, seed: number) {
  const flow = new GaussianMixtureFlow(spec);
  const rng = new Rng(seed);
  const x = flow.sampleData(n, rng);
  for (let k = (n >> 1) * flow.dim; k < x.length; k++) x[k] = 2 * rng.normal();
  return { flow, x, ref: gaussianMixtureLogDensity(flow.spec, x, n) };
}

const twoMode = { weights: [0.3, 0.7], means: [[-2, 0.5], [1.5, -1]], stds: [0.5, 0.8] };

describe('logLikelihood on exact Gaussian-mixture flows (closed-form density at t = 1)', () => {
  it('exact estimator with the analytic divergence is within 1e-3 nats (d = 2, rtol = atol = 1e-6)', () => {
    const { flow, x, ref } = setup(twoMode, 16, 1);
    const xt = tf.tensor2d(x, [16, 2]);
    const r = logLikelihood(flow.velocity, xt, { divergence: flow.divergence, rtol: 1e-6, atol: 1e-6 });
    let worst = 0;
    for (let i = 0; i < 16; i++) worst = Math.max(worst, Math.abs(r.logLikelihood[i]! - ref[i]!));
    expect(worst).toBeLessThan(1e-3);
    expect(r.nfe).toBeGreaterThan(10);
    tf.dispose(xt);
    flow.dispose();
  });

  it('exact estimator by per-dimension VJPs (autodiff) agrees too, and batching does not change it (d = 5)', () => {
    const spec = {
      weights: [1, 2, 1],
      means: [[1, 0, -1, 0.5, 0], [-1, 1, 0, 0, 1], [0, -1, 1, -0.5, 0]],
      stds: [0.4, 0.6, 0.5],
    };
    const { flow, x, ref } = setup(spec, 8, 2);
    const xt = tf.tensor2d(x, [8, 5]);
    const before = tf.memory().numTensors;
    const r = logLikelihood(flow.velocity, xt, { rtol: 1e-6, atol: 1e-6, batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before); // nothing leaked per evaluation
    expect(r.batches).toBe(3);
    let worst = 0;
    for (let i = 0; i < 8; i++) worst = Math.max(worst, Math.abs(r.logLikelihood[i]! - ref[i]!));
    expect(worst).toBeLessThan(1e-3);
    tf.dispose(xt);
    flow.dispose();
  });

  it.each(['rademacher', 'gaussian'] as const)('Hutchinson (%s probes) is unbiased within its reported standard error', (probe) => {
    const n = 24;
    const { flow, x, ref } = setup(twoMode, n, 3);
    const xt = tf.tensor2d(x, [n, 2]);
    const r = logLikelihood(flow.velocity, xt, { estimator: 'hutchinson', probes: 4, probe, seed: 7, rtol: 1e-6, atol: 1e-6 });
    let bias = 0;
    let v = 0;
    for (let i = 0; i < n; i++) {
      bias += r.logLikelihood[i]! - ref[i]!;
      v += r.standardError![i]! ** 2;
    }
    bias /= n;
    const se = Math.sqrt(v) / n;
    expect(se).toBeGreaterThan(0);
    expect(Math.abs(bias)).toBeLessThan(3 * se + 1e-3);
    // seeded: the same probes give the same numbers
    const again = logLikelihood(flow.velocity, xt, { estimator: 'hutchinson', probes: 4, probe, seed: 7, rtol: 1e-6, atol: 1e-6 });
    expect(Array.from(again.logLikelihood)).toEqual(Array.from(r.logLikelihood));
    tf.dispose(xt);
    flow.dispose();
  });

  it('bits per dimension follow the stated dequantisation convention', () => {
    // A density uniform on the dequantisation cell (p = 127.5^d) costs exactly 0 bits.
    expect(bitsPerDim(3 * Math.log(127.5), 3)).toBeCloseTo(0, 12);
    expect(bitsPerDim(-784 * Math.LN2, 784)).toBeCloseTo(1 + Math.log2(127.5), 12);
    // Each pixel lands in its own cell of width 1 / 127.5 around k / 127.5 - 1; seeded.
    const k = Uint8Array.from({ length: 256 }, (_, i) => i);
    const x = dequantizeUint8(k, new Rng(2));
    for (let i = 0; i < 256; i++) expect(Math.abs(x[i]! - (i / 127.5 - 1))).toBeLessThanOrEqual(0.5 / 127.5 + 1e-7);
    expect(Array.from(dequantizeUint8(k, new Rng(2)))).toEqual(Array.from(x));
  });

  it('rejects bad options with the solvers input error', () => {
    const flow = new GaussianMixtureFlow(twoMode);
    const xt = tf.zeros([2, 2]);
    expect(() => logLikelihood(flow.velocity, xt, { estimator: 'nope' as 'exact' })).toThrow(/estimator must be exact or hutchinson/);
    expect(() => logLikelihood(flow.velocity, xt, { estimator: 'hutchinson', probes: 0 })).toThrow(/probes must be a positive integer/);
    expect(() => logLikelihood(flow.velocity, tf.zeros([3]))).toThrow(/batch-first/);
    tf.dispose(xt);
    flow.dispose();
  });
});
