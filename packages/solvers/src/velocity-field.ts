import * as tf from '@tensorflow/tfjs-core';

/**
 * The velocity-field contract shared by every model in flow.
 *
 * `x` is batch-first: shape `[batch, ...]` of any rank (`[batch, dim]` for vectors, `[batch, h, w, c]` for
 * images). The returned tensor has exactly the shape of `x`. `t` is either one number for the whole batch
 * or a `Tensor1D` of length `batch` (one time per sample). Solvers pass numbers for plain solves and tensors
 * when `t` must carry gradients (Bespoke training differentiates through `t`).
 *
 * Conventions: t in [0, 1], t = 0 is noise, t = 1 is data, dx/dt = v(x, t).
 *
 * A field must be a pure function of its inputs built from tfjs ops: solvers call it inside `tf.tidy`
 * and `tf.variableGrads`, so it must not dispose its inputs nor keep the tensors it returns.
 */
export type VelocityField = (x: tf.Tensor, t: tf.Tensor1D | number) => tf.Tensor;

/** A model as the CLI and Bespoke solvers see it: the field plus a stable identity. */
export interface VelocityModel {
  velocity: VelocityField;
  /**
   * A stable hash of what the model computes (weights and config), e.g. `gmm:sha256:...`. Bespoke parameter
   * files record it and refuse another model's file unless forced.
   */
  identity: string;
  /** Number of features per sample (product of the non-batch dimensions), when known. */
  dim?: number;
}

/** Broadcasts a scalar time (number or scalar/1-element tensor) to a per-sample `Tensor1D` of length `batch`. */
export function perSampleTime(t: tf.Tensor | number, batch: number): tf.Tensor1D {
  if (typeof t === 'number') return tf.fill([batch], t) as tf.Tensor1D;
  if (t.rank === 1 && t.shape[0] === batch) return t as tf.Tensor1D;
  // multiplication by ones keeps the gradient path to a scalar time parameter
  return tf.mul(tf.ones([batch]), tf.reshape(t, [])) as tf.Tensor1D;
}
