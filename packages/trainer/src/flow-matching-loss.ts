import * as tf from '@tensorflow/tfjs-core';
import type { VelocityNet } from './velocity-net';

export interface FlowMatchingTerms {
  /** The objective that is differentiated (weighted when the net has learned uncertainty). */
  loss: tf.Scalar;
  /** Plain mean squared error of the velocity, per dimension and sample: the number reported as "loss". */
  mse: tf.Scalar;
}

/**
 * Rectified-flow / conditional flow-matching loss on a coupled batch.
 * x_t = (1 - t) x0 + t x1, target x1 - x0, per-sample MSE averaged over the feature dimensions.
 * With `uncertainty`, EDM2's learned weighting adapted to t: mean_i [ w(t_i) mse_i / exp(u(t_i)) + u(t_i) ],
 * w(t) the net's own loss weight (1 when it has none); the optimum u(t) = log E[w mse | t] balances the loss
 * across times.
 */
export function flowMatchingLoss(
  net: VelocityNet,
  x0: tf.Tensor,
  x1: tf.Tensor,
  t: tf.Tensor1D,
  options: { uncertainty?: boolean; labels?: tf.Tensor2D } = {},
): FlowMatchingTerms {
  const batch = x0.shape[0];
  const tb = tf.reshape(t, [batch, ...x0.shape.slice(1).map(() => 1)]);
  const xt = tf.add(tf.mul(tf.sub(1, tb), x0), tf.mul(tb, x1));
  const target = tf.sub(x1, x0);
  const pred = net.forward(xt, t, true, options.labels);
  const axes = x0.shape.slice(1).map((_, i) => i + 1);
  const perSample = tf.mean(tf.square(tf.sub(pred, target)), axes) as tf.Tensor1D;
  const mse = tf.mean(perSample) as tf.Scalar;
  if (options.uncertainty && net.logVariance) {
    const u = tf.reshape(net.logVariance(t), [batch]);
    const weighted = net.lossWeight ? tf.mul(perSample, tf.reshape(net.lossWeight(t), [batch])) : perSample;
    const loss = tf.mean(tf.add(tf.div(weighted, tf.exp(u)), u)) as tf.Scalar;
    return { loss, mse };
  }
  return { loss: mse, mse };
}
