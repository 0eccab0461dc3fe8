import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@flow/random';
import { applyWeight, downsample2x, effectiveWeight, mpCat, mpFourier, mpSilu, mpSum, normalize, upsample2x } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function normal(shape: number[], seed: number, scale = 1): tf.Tensor {
  const data = new Rng(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)));
  for (let i = 0; i < data.length; i++) data[i] *= scale;
  return tf.tensor(data, shape);
}

const rms = (x: tf.Tensor) => tf.sqrt(tf.mean(tf.square(x))).dataSync()[0];

describe('magnitude-preserving ops keep unit-variance inputs at unit variance', () => {
  const x = normal([200000], 1);
  const y = normal([200000], 2);

  it('mp_silu', () => expect(rms(mpSilu(x))).toBeCloseTo(1, 2));
  it.each([0.3, 0.5, 0.8])('mp_sum(t=%s)', (t) => expect(rms(mpSum(x, y, t))).toBeCloseTo(1, 2));
  it('mp_sum is lerp / sqrt((1-t)^2 + t^2)', () => {
    const v = mpSum(tf.scalar(2), tf.scalar(4), 0.3).dataSync()[0];
    expect(v).toBeCloseTo((0.7 * 2 + 0.3 * 4) / Math.sqrt(0.49 + 0.09), 5);
  });
  it.each([0.5, 0.3])('mp_cat(t=%s) over unequal widths', (t) => {
    const a = normal([2000, 24], 3);
    const b = normal([2000, 8], 4);
    const c = mpCat(a, b, t);
    expect(c.shape).toEqual([2000, 32]);
    expect(rms(c)).toBeCloseTo(1, 2);
    // balance: the share of energy carried by b is t^2 / ((1-t)^2 + t^2)
    const eb = tf.sum(tf.square(tf.slice(c, [0, 24], [-1, 8]))).dataSync()[0] / tf.sum(tf.square(c)).dataSync()[0];
    expect(eb).toBeCloseTo((t * t) / ((1 - t) ** 2 + t * t), 2);
  });
  it('MP Fourier features', () => {
    const freqs = tf.mul(normal([256], 5), 2 * Math.PI);
    const phases = tf.mul(tf.tensor(new Rng(6).fillUniform(new Float32Array(256))), 2 * Math.PI);
    expect(rms(mpFourier(normal([512], 7), freqs, phases))).toBeCloseTo(1, 1);
  });
  it('normalize gives unit RMS over the chosen axes', () => {
    const z = normalize(normal([4, 10, 6], 8, 7), [1, 2]);
    const per = tf.sqrt(tf.mean(tf.square(z), [1, 2])).dataSync();
    for (const r of per) expect(r).toBeCloseTo(1, 3);
  });
  it('MPConv (3x3 and fully connected) with any stored scale maps unit variance to unit variance', () => {
    const w3 = normal([3, 3, 64, 64], 9, 5);
    const img = normal([8, 16, 16, 64], 10);
    const out3 = applyWeight(img, effectiveWeight(w3, 9 * 64, 1, true));
    expect(rms(tf.slice(out3, [0, 1, 1, 0], [-1, 14, 14, -1]))).toBeCloseTo(1, 1); // interior: no zero padding
    const w = normal([256, 128], 11, 0.01);
    const out = applyWeight(normal([512, 256], 12), effectiveWeight(w, 256, 1, true));
    expect(rms(out)).toBeCloseTo(1, 1);
    // gain scales the output magnitude
    expect(rms(applyWeight(normal([512, 256], 12), effectiveWeight(w, 256, 0.5, true)))).toBeCloseTo(0.5, 1);
  });
  it('down/up sampling: box average and nearest neighbour', () => {
    const a = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(Array.from(downsample2x(a).dataSync())).toEqual([2.5]);
    expect(Array.from(upsample2x(tf.tensor4d([1, 2], [1, 1, 2, 1])).dataSync())).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
  });
});
