import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Adam, learningRate } from '../src/index';

describe('EDM2 learning-rate schedule', () => {
  it('ramps up linearly, then decays as 1/sqrt(step/ref)', () => {
    const s = { refLr: 0.01, refSteps: 100, rampupSteps: 10 };
    expect(learningRate(s, 5)).toBeCloseTo(0.005, 12);
    expect(learningRate(s, 10)).toBeCloseTo(0.01, 12);
    expect(learningRate(s, 100)).toBeCloseTo(0.01, 12);
    expect(learningRate(s, 400)).toBeCloseTo(0.005, 12);
  });
});

describe('Adam', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it('matches the textbook update with bias correction', () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'adam-test-w');
    const adam = new Adam({ w }, { beta1: 0.9, beta2: 0.99, epsilon: 1e-8 });
    const g1 = [0.5, -1];
    const g2 = [0.25, 2];
    adam.apply({ w: tf.tensor1d(g1) }, 0.1, 1);
    adam.apply({ w: tf.tensor1d(g2) }, 0.1, 2);
    const out = w.dataSync();
    for (let i = 0; i < 2; i++) {
      let m = 0, v = 0, p = [1, -2][i];
      [g1[i], g2[i]].forEach((g, k) => {
        m = 0.9 * m + 0.1 * g;
        v = 0.99 * v + 0.01 * g * g;
        const mh = m / (1 - 0.9 ** (k + 1));
        const vh = v / (1 - 0.99 ** (k + 1));
        p -= (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
      });
      expect(out[i]).toBeCloseTo(p, 5);
    }
    adam.dispose();
    w.dispose();
  });
});

describe('the constant schedule', () => {
  it('keeps refLr after the warm-up (EDM2 config C)', () => {
    const s = { refLr: 0.01, refSteps: 100, rampupSteps: 10, decay: 'constant' as const };
    expect(learningRate(s, 5)).toBeCloseTo(0.005, 12);
    expect(learningRate(s, 400)).toBeCloseTo(0.01, 12);
  });
});
