import * as tf from '@tensorflow/tfjs-core';

/** A tf.Variable holding `data`, without leaving the temporary initial tensor behind. */
export function toVariable(data: Float32Array, shape: number[], trainable: boolean): tf.Variable {
  const t = tf.tensor(data, shape, 'float32');
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}
