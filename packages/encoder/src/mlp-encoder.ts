import * as tf from '@tensorflow/tfjs-core';
import { EncoderInputError } from './errors';
import { type GaussianEncoder, LOGVAR_RANGE, type Posterior, type RngLike } from './gaussian-encoder';
import { normalVariable, zeroVariable } from './init-variable';

export interface MlpEncoderConfig {
  dim: number;
  /** Hidden width (the paper's 2-D toy: 100). */
  hidden?: number;
  /** Hidden layers (the paper's 2-D toy: 3, tanh). */
  depth?: number;
  activation?: 'tanh' | 'silu';
}

/**
 * An MLP encoder for vector data: `depth` hidden layers, then one linear head giving [mu, logvar].
 * The head starts at zero, so q(z | x) = N(0, I) at initialisation: training starts from the independent
 * coupling and moves away from it only as far as the prior term allows.
 */
export function createMlpEncoder(config: MlpEncoderConfig, rng: RngLike): GaussianEncoder {
  const { dim } = config;
  const hidden = config.hidden ?? 100;
  const depth = config.depth ?? 3;
  const activation = config.activation ?? 'tanh';
  for (const [k, v] of [['dim', dim], ['hidden', hidden], ['depth', depth]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new EncoderInputError(`mlp encoder: ${k} must be a positive integer, got ${v}`);
  }
  const variables: Record<string, tf.Variable> = {};
  const widths = [dim, ...Array<number>(depth).fill(hidden)];
  for (let i = 0; i < depth; i++) {
    variables[`encoder.layer${i}.weight`] = normalVariable([widths[i]!, widths[i + 1]!], Math.sqrt(1 / widths[i]!), rng);
    variables[`encoder.layer${i}.bias`] = zeroVariable([widths[i + 1]!]);
  }
  variables['encoder.head.weight'] = zeroVariable([hidden, 2 * dim]);
  variables['encoder.head.bias'] = zeroVariable([2 * dim]);
  const act = activation === 'tanh' ? tf.tanh : (x: tf.Tensor) => tf.mul(x, tf.sigmoid(x));

  return {
    kind: 'mlp',
    variables,
    encode(x: tf.Tensor): Posterior {
      if (x.rank !== 2 || x.shape[1] !== dim) throw new EncoderInputError(`mlp encoder: expected input [batch, ${dim}], got [${x.shape.join(', ')}]`);
      return tf.tidy(() => {
        let h: tf.Tensor = x;
        for (let i = 0; i < depth; i++) h = act(tf.add(tf.matMul(h as tf.Tensor2D, variables[`encoder.layer${i}.weight`] as tf.Tensor2D), variables[`encoder.layer${i}.bias`]!));
        const out = tf.add(tf.matMul(h as tf.Tensor2D, variables['encoder.head.weight'] as tf.Tensor2D), variables['encoder.head.bias']!);
        const [mu, logvar] = tf.split(out, 2, 1);
        return { mu: mu!, logvar: tf.clipByValue(logvar!, LOGVAR_RANGE[0], LOGVAR_RANGE[1]) };
      });
    },
    dispose() {
      for (const v of Object.values(variables)) v.dispose();
    },
  };
}
