import * as tf from '@tensorflow/tfjs-core';

/**
 * KL(N(mu, diag e^logvar) || N(0, diag priorVar)), averaged over every dimension and the batch (the
 * per-dimension normalisation of the paper's code, so beta means the same at any resolution):
 * 0.5 * (log priorVar - logvar - 1 + (mu^2 + e^logvar) / priorVar).
 * `priorVariance` is 1 (standard normal) or a per-dimension vector broadcast over the batch (e.g. the
 * paper's wide 2-D prior diag(36, 1)).
 */
export function klDivergence(mu: tf.Tensor, logvar: tf.Tensor, priorVariance: number | readonly number[] = 1): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.add(tf.square(mu), tf.exp(logvar));
    if (typeof priorVariance === 'number') {
      const term = tf.sub(tf.add(tf.div(q, priorVariance), Math.log(priorVariance)), tf.add(logvar, 1));
      return tf.mul(tf.mean(term), 0.5) as tf.Scalar;
    }
    const pv = tf.tensor1d(priorVariance as number[]);
    const term = tf.sub(tf.add(tf.div(q, pv), tf.log(pv)), tf.add(logvar, 1));
    return tf.mul(tf.mean(term), 0.5) as tf.Scalar;
  });
}

/** z = mu + exp(logvar / 2) * eps: the reparameterised draw through which the flow loss reaches the encoder. */
export function reparameterize(mu: tf.Tensor, logvar: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps)));
}
