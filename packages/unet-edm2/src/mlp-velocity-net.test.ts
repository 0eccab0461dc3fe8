import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { countMlpParameters, createMlpVelocityNet, getMlpPreset, mlpPresetNames } from './index';
import { gradientsAvailable } from '../test/gradients';

const itGrad = gradientsAvailable() ? it : it.skip;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createMlpVelocityNet', () => {
  it('shapes, counts, seeding and time handling', () => {
    const net = createMlpVelocityNet({ dim: 2, hidden: 32, depth: 2, timeFeatures: 8 }, { seed: 3 });
    expect(net.parameterCount).toBe((2 + 1 + 8) * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2);
    const x = tf.tensor2d([[0.1, -0.2], [1, 2], [3, -1]]);
    const a = net.forward(x, 0.4).dataSync();
    const b = net.forward(x, tf.tensor1d([0.4, 0.4, 0.4])).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(net.velocity(x, 0.9).shape).toEqual([3, 2]);
    const again = createMlpVelocityNet({ dim: 2, hidden: 32, depth: 2, timeFeatures: 8 }, { seed: 3 });
    expect(Array.from(again.forward(x, 0.4).dataSync())).toEqual(Array.from(a));
    expect(() => net.forward(tf.zeros([2, 3]), 0.5)).toThrow(/expected shape \[batch, 2\]/);
    net.dispose();
    again.dispose();
  });

  it('class-conditional: one-hot labels on the input, all-zero rows = the unconditional branch', () => {
    const net = createMlpVelocityNet({ dim: 2, hidden: 8, depth: 1, timeFeatures: 4, labelDim: 3 }, { seed: 2 });
    expect(net.variables['layer0.weight']!.shape).toEqual([2 + 1 + 4 + 3, 8]);
    const x = tf.tensor2d([[0.1, -0.2], [1, 2]]);
    const none = net.forward(x, 0.3).dataSync();
    const zero = net.forward(x, 0.3, tf.zeros([2, 3])).dataSync();
    expect(Array.from(zero)).toEqual(Array.from(none));
    const labelled = net.forward(x, 0.3, tf.tensor2d([[1, 0, 0], [0, 0, 1]])).dataSync();
    expect(Array.from(labelled)).not.toEqual(Array.from(none));
    expect(() => net.forward(x, 0.3, tf.zeros([2, 2]))).toThrow(/labels: expected shape \[2, 3\]/);
    const plain = createMlpVelocityNet({ dim: 2, hidden: 8, depth: 1, timeFeatures: 4 }, { seed: 2 });
    expect(() => plain.forward(x, 0.3, tf.zeros([2, 3]))).toThrow(/unconditional/);
    expect(() => createMlpVelocityNet({ labelDim: -1 })).toThrow(/labelDim/);
    net.dispose();
    plain.dispose();
  });

  it('presets', () => {
    expect(mlpPresetNames()).toContain('mlp-2d');
    expect(countMlpParameters(getMlpPreset('mlp-2d').config)).toBeGreaterThan(1000);
    expect(() => getMlpPreset('nope')).toThrow(/valid presets: mlp-2d/);
  });

  itGrad('learns a constant velocity field by gradient descent', () => {
    const net = createMlpVelocityNet({ dim: 2, hidden: 32, depth: 2, timeFeatures: 4 }, { seed: 1 });
    const opt = tf.train.adam(1e-2);
    const x = tf.randomNormal([64, 2], 0, 1, 'float32', 1);
    const target = tf.mul(tf.ones([64, 2]), tf.tensor1d([1, -2]));
    const loss = () => tf.mean(tf.square(tf.sub(net.forward(x, 0.5), target))) as tf.Scalar;
    const first = loss().dataSync()[0];
    for (let i = 0; i < 100; i++) opt.minimize(loss, false, net.trainableVariables());
    expect(loss().dataSync()[0]).toBeLessThan(first * 0.05);
    net.dispose();
  });
});
