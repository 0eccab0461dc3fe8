import * as tf from '@tensorflow/tfjs-core';

/**
 * EDM2's learned uncertainty weighting (paper Eq. 21 / Precond's logvar), adapted to rectified flow:
 *
 *   L = mean_batch [ mean_elements( w(t) |v_pred - v_target|^2 ) / e^u(t) + u(t) ]
 *
 * with u(t) from `Edm2Unet.logVariance` and w(t) = 1 / c_out(t)^2 = s(t)^2 / sigma_data^2 by default (the
 * analogue of EDM's lambda(sigma): the loss on F's own scale, unit at initialisation for every t). Pass
 * `weight: null` for the plain |v_pred - v_target|^2 / e^u + u the trainer may prefer. At the optimum
 * e^u equals the weighted error, so the loss balances itself across t.
 */
export function uncertaintyWeightedLoss(
  vPred: tf.Tensor,
  vTarget: tf.Tensor,
  logvar: tf.Tensor1D,
  weight: tf.Tensor1D | null = null,
): tf.Scalar {
  return tf.tidy(() => {
    const batch = vPred.shape[0];
    const err = tf.mean(tf.reshape(tf.square(tf.sub(vPred, vTarget)), [batch, -1]), 1);
    const weighted = weight ? tf.mul(err, weight) : err;
    return tf.mean(tf.add(tf.div(weighted, tf.exp(logvar)), logvar)) as tf.Scalar;
  });
}

/** The per-sample weight 1 / c_out(t)^2 = ((1 - t)^2 + t^2 sigma_data^2) / sigma_data^2. */
export function flowLossWeight(t: tf.Tensor1D, sigmaData: number): tf.Tensor1D {
  return tf.tidy(() => {
    const s2 = tf.add(tf.square(tf.sub(1, t)), tf.mul(tf.square(t), sigmaData * sigmaData));
    return tf.div(s2, sigmaData * sigmaData) as tf.Tensor1D;
  });
}
