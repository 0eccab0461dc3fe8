import type * as tf from '@tensorflow/tfjs-core';
import type { RngState } from '@flow/random';

/**
 * What the trainer needs from a network: named trainable variables, the velocity prediction, and
 * optionally EDM2's learned uncertainty (log-variance u(t)) and a hook run after every optimiser step.
 */
export interface VelocityNet {
  /** Trainable parameters by stable name (the names used in checkpoints). */
  readonly variables: Record<string, tf.Variable>;
  /** Fixed tensors the forward pass uses besides the trained ones (Fourier features), by stable name. */
  readonly buffers?: Record<string, tf.Variable>;
  /**
   * Velocity at (x, t): x is [batch, ...shape], t a per-sample Tensor1D; returns x's shape. `labels`
   * ([batch, labelDim] one-hot; an all-zero row = unconditional) only for a class-conditional net.
   */
  forward(x: tf.Tensor, t: tf.Tensor1D, training: boolean, labels?: tf.Tensor2D): tf.Tensor;
  /** Number of classes of a class-conditional net (0: unconditional). */
  readonly labelDim?: number;
  /** Learned log-variance u(t) per sample ([batch]), when the network has one. */
  logVariance?(t: tf.Tensor1D): tf.Tensor;
  /** Per-sample loss weight w(t) applied with the learned uncertainty (EDM2's lambda), [batch]. */
  lossWeight?(t: tf.Tensor1D): tf.Tensor;
  /** Representation features at time t ([batch, featureDim]; the U-Net's pooled encoder outputs), for linear probes. */
  features?(x: tf.Tensor, t: tf.Tensor1D): tf.Tensor2D;
  /** Run after every optimiser step (EDM2 forced weight normalisation of the stored weights). */
  afterStep?(): void;
  /** Parameter count. */
  readonly parameterCount: number;
  dispose(): void;
}

/** A VelocityNet whose own randomness (dropout) has a state that checkpoints capture. */
export interface TrainableNet extends VelocityNet {
  getRngState?(): RngState;
  setRngState?(state: RngState): void;
}
