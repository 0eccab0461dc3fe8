import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '@flow/runtime';
import { Rng } from '@flow/random';
import { createConvEncoder, createEncoderForShape, createEncoderTerm, createMlpEncoder, EncoderInputError, klDivergence, reparameterize } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerGradients();
});

const value = (t: tf.Tensor) => t.dataSync()[0]!;

describe('KL term', () => {
  it('matches the closed form per dimension', () => {
    const mu = tf.tensor2d([[0, 1]]);
    const logvar = tf.tensor2d([[Math.log(2), 0]]);
    // dim 0: 0.5 (2 - ln 2 - 1); dim 1: 0.5 (1 + 1 - 1); averaged over the two dimensions.
    expect(value(klDivergence(mu, logvar))).toBeCloseTo((0.5 * (1 - Math.log(2)) + 0.5) / 2, 6);
    expect(value(klDivergence(tf.zeros([3, 4]), tf.zeros([3, 4])))).toBeCloseTo(0, 7);
  });

  it('takes a per-dimension prior variance (the paper 2-D wide prior)', () => {
    const mu = tf.tensor2d([[6, 0]]);
    const logvar = tf.tensor2d([[Math.log(36), 0]]);
    // mu^2/36 = 1 in dim 0 and q equals the prior's variance: 0.5 * 1 there, 0 in dim 1.
    expect(value(klDivergence(mu, logvar, [36, 1]))).toBeCloseTo(0.25, 6);
  });

  it('reparameterises z = mu + sigma eps', () => {
    const z = reparameterize(tf.tensor1d([1, -1]), tf.tensor1d([Math.log(4), 0]), tf.tensor1d([0.5, 2]));
    expect(Array.from(z.dataSync())).toEqual([2, 1]);
  });
});

describe('encoders', () => {
  it('start as q = N(0, I): the independent coupling', () => {
    const enc = createMlpEncoder({ dim: 2, hidden: 16, depth: 2 }, new Rng(1));
    const { mu, logvar } = enc.encode(tf.randomNormal([5, 2]));
    expect(tf.max(tf.abs(mu)).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(logvar)).dataSync()[0]).toBe(0);
    const conv = createConvEncoder({ height: 8, width: 8, channels: 1, features: 4 }, new Rng(1));
    const out = conv.encode(tf.randomNormal([2, 8, 8, 1]));
    expect(out.mu.shape).toEqual([2, 8, 8, 1]);
    expect(tf.max(tf.abs(out.logvar)).dataSync()[0]).toBe(0);
  });

  it('are reproducible from the seed and reject wrong shapes', () => {
    const a = createEncoderForShape([3], new Rng(5));
    const b = createEncoderForShape([3], new Rng(5));
    expect(Array.from(a.variables['encoder.layer0.weight']!.dataSync())).toEqual(Array.from(b.variables['encoder.layer0.weight']!.dataSync()));
    expect(() => a.encode(tf.zeros([2, 4]))).toThrow(EncoderInputError);
    expect(() => createEncoderForShape([2, 2], new Rng(1))).toThrow(/\[dim\] or \[height, width, channels\]/);
    expect(() => createEncoderTerm(a, { beta: -1 })).toThrow(/beta must be/);
  });
});

/** Joint training of a tiny velocity MLP and the encoder on a two-mode 2-D mixture (plain SGD-free Adam). */
function trainJoint(beta: number, steps: number) {
  const rng = new Rng(7);
  const enc = createMlpEncoder({ dim: 2, hidden: 32, depth: 2 }, rng);
  const term = createEncoderTerm(enc, { beta });
  const w1 = tf.variable(tf.randomNormal([3, 64], 0, 0.5, 'float32', 1));
  const b1 = tf.variable(tf.zeros([64]));
  const w2 = tf.variable(tf.randomNormal([64, 2], 0, 0.1, 'float32', 2));
  const velocity = (x: tf.Tensor2D, t: tf.Tensor2D) => tf.matMul(tf.tanh(tf.add(tf.matMul(tf.concat([x, t], 1), w1), b1)), w2);
  const opt = tf.train.adam(3e-3);
  const vars = [w1, b1, w2, ...Object.values(term.variables)];
  let fm = 0;
  let kl = 0;
  for (let s = 0; s < steps; s++) {
    const x1 = tf.tidy(() => {
      const side = tf.sub(tf.mul(tf.cast(tf.greater(tf.randomUniform([128, 1], 0, 1, 'float32', 100 + s), 0.5), 'float32'), 2), 1);
      return tf.add(tf.concat([tf.mul(side, 2), tf.zeros([128, 1])], 1), tf.randomNormal([128, 2], 0, 0.3, 'float32', 200 + s));
    });
    const eps = tf.randomNormal([128, 2], 0, 1, 'float32', 300 + s);
    const t = tf.randomUniform([128, 1], 0, 1, 'float32', 400 + s);
    opt.minimize(() => {
      const { x0, loss, metrics } = term.apply(x1, eps);
      const xt = tf.add(tf.mul(tf.sub(1, t), x0), tf.mul(t, x1)) as tf.Tensor2D;
      const fmLoss = tf.mean(tf.square(tf.sub(velocity(xt, t as tf.Tensor2D), tf.sub(x1, x0))));
      if (s >= steps - 20) {
        fm += fmLoss.dataSync()[0]! / 20;
        kl += metrics.kl!.dataSync()[0]! / 20;
      }
      return tf.add(fmLoss, loss) as tf.Scalar;
    }, false, vars);
    tf.dispose([x1, eps, t]);
  }
  return { fm, kl, term };
}

describe('joint training (beta limits and gradient flow)', () => {
  it('sends flow-matching gradients into every encoder variable', () => {
    const enc = createMlpEncoder({ dim: 2, hidden: 8, depth: 2 }, new Rng(3));
    const term = createEncoderTerm(enc, { beta: 0 });
    // Make the head non-zero so gradients reach the hidden layers too.
    enc.variables['encoder.head.weight']!.assign(tf.randomNormal([8, 4], 0, 0.1, 'float32', 9));
    const x1 = tf.randomNormal([16, 2], 0, 1, 'float32', 4);
    const eps = tf.randomNormal([16, 2], 0, 1, 'float32', 5);
    const names = Object.keys(term.variables);
    const { grads } = tf.variableGrads(() => {
      const { x0 } = term.apply(x1, eps);
      return tf.mean(tf.square(tf.sub(x1, x0))) as tf.Scalar; // the loss of a zero velocity model
    }, names.map((n) => term.variables[n]!));
    for (const n of names) expect(tf.max(tf.abs(grads[term.variables[n]!.name]!)).dataSync()[0]).toBeGreaterThan(0);
  });

  it('large beta keeps q at the prior (independent coupling); small beta straightens and lowers the loss', () => {
    const strong = trainJoint(100, 150);
    const weak = trainJoint(0.05, 150);
    expect(strong.kl).toBeLessThan(2e-3);
    expect(weak.kl).toBeGreaterThan(strong.kl * 10);
    expect(weak.fm).toBeLessThan(strong.fm * 0.8);
  });
});
