import * as tf from '@tensorflow/tfjs-core';
import { createConvEncoder, type ConvEncoderConfig } from './conv-encoder';
import { EncoderInputError } from './errors';
import type { GaussianEncoder, RngLike } from './gaussian-encoder';
import { klDivergence, reparameterize } from './kl-divergence';
import { createMlpEncoder, type MlpEncoderConfig } from './mlp-encoder';

export interface EncoderTermOptions {
  /** Weight of the prior term (the paper's `weight_prior`): large recovers independent coupling. */
  beta: number;
  /** Prior variance: 1 (N(0, I), what sampling draws from) or one value per dimension. */
  priorVariance?: number | readonly number[];
}

/**
 * The encoder's part of a flow-matching step. Given data x1 and standard-normal eps, it returns
 * x0 = z = mu(x1) + sigma(x1) eps (the pair (z, x1) replaces (eps, x1) in the flow-matching loss) and
 * the extra loss beta * KL(q(z | x1) || prior). `createEncoderCoupling` pairs it with an independent coupling.
 */
export interface EncoderTerm {
  readonly encoder: GaussianEncoder;
  readonly variables: Record<string, tf.Variable>;
  readonly beta: number;
  apply(x1: tf.Tensor, noise: tf.Tensor): { x0: tf.Tensor; loss: tf.Scalar; metrics: Record<string, tf.Scalar> };
  dispose(): void;
}

export function createEncoderTerm(encoder: GaussianEncoder, options: EncoderTermOptions): EncoderTerm {
  const { beta } = options;
  if (!Number.isFinite(beta) || beta < 0) throw new EncoderInputError(`encoder: beta must be a finite number >= 0, got ${beta}`);
  const prior = options.priorVariance ?? 1;
  return {
    encoder,
    variables: encoder.variables,
    beta,
    apply(x1, noise) {
      if (x1.shape.join(',') !== noise.shape.join(',')) throw new EncoderInputError(`encoder: data [${x1.shape}] and noise [${noise.shape}] differ in shape`);
      return tf.tidy(() => {
        const { mu, logvar } = encoder.encode(x1);
        const z = reparameterize(mu, logvar, noise);
        const kl = klDivergence(mu, logvar, prior);
        return { x0: z, loss: tf.mul(kl, beta) as tf.Scalar, metrics: { kl, mu_rms: tf.sqrt(tf.mean(tf.square(mu))) as tf.Scalar } };
      });
    },
    dispose: () => encoder.dispose(),
  };
}

export interface EncoderForShapeOptions {
  mlp?: Omit<MlpEncoderConfig, 'dim'>;
  conv?: Omit<ConvEncoderConfig, 'height' | 'width' | 'channels'>;
}

/** An MLP encoder for vectors ([dim]) or a conv encoder for images ([height, width, channels]). */
export function createEncoderForShape(shape: readonly number[], rng: RngLike, options: EncoderForShapeOptions = {}): GaussianEncoder {
  if (shape.length === 1) return createMlpEncoder({ dim: shape[0]!, ...options.mlp }, rng);
  if (shape.length === 3) return createConvEncoder({ height: shape[0]!, width: shape[1]!, channels: shape[2]!, ...options.conv }, rng);
  throw new EncoderInputError(`encoder: sample shape must be [dim] or [height, width, channels], got [${shape.join(', ')}]`);
}
