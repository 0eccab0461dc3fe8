import type * as tf from '@tensorflow/tfjs-core';

/** The source of randomness for initialisation (structurally `@flow/random`'s Rng). */
export interface RngLike {
  fillNormal(out: Float32Array): Float32Array;
}

/** Mean and log-variance of q(z | x), each shaped like x. */
export interface Posterior {
  mu: tf.Tensor;
  logvar: tf.Tensor;
}

/**
 * A Gaussian encoder q(z | x) = N(mu(x), diag(exp(logvar(x)))). Its variables are trained jointly with
 * the velocity model; it is not needed to sample (z ~ N(0, I) there).
 */
export interface GaussianEncoder {
  readonly kind: 'mlp' | 'conv';
  /** Name -> variable, names prefixed with `encoder.` so they can share a checkpoint with the model. */
  readonly variables: Record<string, tf.Variable>;
  encode(x: tf.Tensor): Posterior;
  dispose(): void;
}

/** Clamp for the log-variance head: keeps exp(logvar) finite early in training. */
export const LOGVAR_RANGE: readonly [number, number] = [-12, 6];
