import * as tf from '@tensorflow/tfjs-core';

/** Sums a broadcast gradient back to the input's shape. */
export function reduceTo(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  const r = axes.length > 0 ? tf.sum(dy, axes) : dy;
  return r.shape.length === shape.length && r.shape.every((d, i) => d === shape[i]) ? r : tf.reshape(r, shape);
}

/** Expands a reduced gradient (axes removed or kept as 1) back over `shape`. */
export function expandTo(dy: tf.Tensor, shape: number[], axes: number[]): tf.Tensor {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.mul(tf.reshape(dy, kept), tf.ones(shape, dy.dtype));
}

export function floatLike(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}
