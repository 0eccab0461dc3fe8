import * as tf from '@tensorflow/tfjs-core';
import { perSampleTime, type VelocityField } from '@flow/solvers';
import type { ConditionalVelocity } from './conditional-velocity';
import { TrainerInputError } from './errors';
import { oneHot } from './one-hot';

/**
 * Classifier-free guidance (Ho & Salimans 2022) on a velocity field:
 *   v(x, t) = v(x, t | 0) + W (v(x, t | y) - v(x, t | 0)),
 * y the row's class (one-hot), 0 the all-zero label (the unconditional branch). W = 1 is the plain
 * conditional field, W = 0 the unconditional one, W > 1 pushes samples towards their class. (EDM2 guides its
 * denoiser, D_guide + w (D - D_guide), with a separate weaker network as D_guide: the same line, another model.)
 * `labelsFor(batch)` gives the class of each of the `batch` rows the solver passes. For 0 < W != 1 both
 * branches run in one network call on the rows stacked twice.
 */
export function guidedVelocity(model: ConditionalVelocity, labelsFor: (batch: number) => Int32Array, guidance: number): VelocityField {
  if (!Number.isFinite(guidance)) throw TrainerInputError.field('guidance', `must be a finite number, got ${guidance}`);
  const classes = model.classes;
  return (x, t) =>
    tf.tidy(() => {
      const batch = x.shape[0];
      if (guidance === 0) return model.velocity(x, t, tf.zeros([batch, classes]));
      const labels = labelsFor(batch);
      if (labels.length !== batch) throw new Error(`guidedVelocity: ${labels.length} labels for a batch of ${batch}`);
      const cond = tf.tensor2d(oneHot(labels, classes), [batch, classes]);
      if (guidance === 1) return model.velocity(x, t, cond);
      const tt = perSampleTime(t, batch);
      const both = model.velocity(tf.concat([x, x], 0), tf.concat([tt, tt], 0), tf.concat([cond, tf.zeros([batch, classes])], 0) as tf.Tensor2D);
      const [vc, vu] = tf.split(both, 2, 0);
      return tf.add(vu!, tf.mul(tf.sub(vc!, vu!), guidance));
    });
}
