import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, Tensor } from '@tensorflow/tfjs-core';
import { floatLike, reduceTo } from './reduce-to';

type Rule = (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null];

/** Binary elementwise ops with broadcasting: each partial is summed back to its input's shape. */
function binary(kernelName: string, rule: Rule, useOutput = false): GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    outputsToSave: useOutput ? [true] : [],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      const y = saved[2];
      const part = (i: 0 | 1) => () => {
        const g = rule(dy as Tensor, a, b, y)[i];
        const shape = (i === 0 ? a : b).shape;
        return g === null ? tf.zeros(shape) : reduceTo(g, shape);
      };
      return { a: part(0), b: part(1) };
    },
  };
}

export const binaryGradients: GradConfig[] = [
  binary('Add', (dy) => [dy, dy]),
  binary('Sub', (dy) => [dy, tf.neg(dy)]),
  // floatLike, not tf.cast: a cast to float32 of a float32 tensor still copies it (a full pass per partial).
  binary('Multiply', (dy, a, b) => [tf.mul(dy, floatLike(b)), tf.mul(dy, floatLike(a))]),
  binary('RealDiv', (dy, a, b) => [tf.div(dy, b), tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))]),
  binary('Maximum', (dy, a, b) => [tf.mul(dy, tf.cast(tf.greaterEqual(a, b), 'float32')), tf.mul(dy, tf.cast(tf.less(a, b), 'float32'))]),
  binary('Minimum', (dy, a, b) => [tf.mul(dy, tf.cast(tf.lessEqual(a, b), 'float32')), tf.mul(dy, tf.cast(tf.greater(a, b), 'float32'))]),
  binary('SquaredDifference', (dy, a, b) => {
    const d = tf.mul(dy, tf.mul(tf.sub(a, b), 2));
    return [d, tf.neg(d)];
  }),
  binary(
    'Pow',
    (dy, a, b, y) => {
      // d/da a^b = b a^(b-1); d/db a^b = a^b log a (taken as 0 where a <= 0, as TensorFlow does).
      const da = tf.mul(dy, tf.mul(b, tf.pow(a, tf.sub(b, 1))));
      const logA = tf.where(tf.greater(a, 0), tf.log(tf.where(tf.greater(a, 0), a, tf.onesLike(a))), tf.zerosLike(a));
      const db = tf.mul(dy, tf.mul(y, logA));
      return [da, db];
    },
    true,
  ),
  binary('Atan2', (dy, a, b) => {
    const r = tf.add(tf.square(a), tf.square(b));
    return [tf.mul(dy, tf.div(b, r)), tf.mul(dy, tf.neg(tf.div(a, r)))];
  }),
];

export const addNGradient: GradConfig = {
  kernelName: 'AddN',
  saveAllInputs: true,
  gradFunc: (dy, saved) => {
    const out: Record<string, () => Tensor> = {};
    saved.forEach((_, i) => {
      out[i] = () => tf.clone(dy as Tensor);
    });
    return out;
  },
};
