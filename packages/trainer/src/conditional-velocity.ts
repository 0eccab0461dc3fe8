import type * as tf from '@tensorflow/tfjs-core';

/** The class-conditional side of a model trained with `conditional`: v(x, t | y). */
export interface ConditionalVelocity {
  /** Number of classes (the one-hot width). */
  classes: number;
  /** Class names in label order, when the training data had them. */
  classNames?: string[];
  /**
   * v(x, t | y) with `labels` one-hot rows [batch, classes]; an all-zero row is the unconditional branch
   * (what label dropout trained). `t` is a number or one time per row.
   */
  velocity(x: tf.Tensor, t: tf.Tensor1D | number, labels: tf.Tensor2D): tf.Tensor;
}
