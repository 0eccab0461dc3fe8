import * as tf from '@tensorflow/tfjs-core';
import { EncoderInputError } from './errors';
import { type GaussianEncoder, LOGVAR_RANGE, type Posterior, type RngLike } from './gaussian-encoder';
import { normalVariable, zeroVariable } from './init-variable';

export interface ConvEncoderConfig {
  height: number;
  width: number;
  channels: number;
  /** Feature channels of the hidden 3x3 convolutions. */
  features?: number;
  /** Number of hidden 3x3 convolutions (each keeps the resolution). */
  depth?: number;
}

/**
 * A small convolutional encoder for NHWC images: `depth` 3x3 conv + SiLU layers at full resolution, then a
 * 3x3 head giving [mu, logvar] per pixel and channel (zero-initialised, so q = N(0, I) at the start).
 * The paper uses a U-Net here; a few convolutions keep the CPU budget of the demo while letting z depend
 * on the local image content.
 */
export function createConvEncoder(config: ConvEncoderConfig, rng: RngLike): GaussianEncoder {
  const { height, width, channels } = config;
  const features = config.features ?? 32;
  const depth = config.depth ?? 2;
  for (const [k, v] of [['height', height], ['width', width], ['channels', channels], ['features', features], ['depth', depth]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new EncoderInputError(`conv encoder: ${k} must be a positive integer, got ${v}`);
  }
  const variables: Record<string, tf.Variable> = {};
  let cin = channels;
  for (let i = 0; i < depth; i++) {
    variables[`encoder.conv${i}.weight`] = normalVariable([3, 3, cin, features], Math.sqrt(2 / (9 * cin)), rng);
    variables[`encoder.conv${i}.bias`] = zeroVariable([features]);
    cin = features;
  }
  variables['encoder.head.weight'] = zeroVariable([3, 3, cin, 2 * channels]);
  variables['encoder.head.bias'] = zeroVariable([2 * channels]);

  return {
    kind: 'conv',
    variables,
    encode(x: tf.Tensor): Posterior {
      if (x.rank !== 4 || x.shape[1] !== height || x.shape[2] !== width || x.shape[3] !== channels) {
        throw new EncoderInputError(`conv encoder: expected input [batch, ${height}, ${width}, ${channels}], got [${x.shape.join(', ')}]`);
      }
      return tf.tidy(() => {
        let h = x as tf.Tensor4D;
        for (let i = 0; i < depth; i++) {
          const c = tf.add(tf.conv2d(h, variables[`encoder.conv${i}.weight`] as tf.Tensor4D, 1, 'same'), variables[`encoder.conv${i}.bias`]!) as tf.Tensor4D;
          h = tf.mul(c, tf.sigmoid(c));
        }
        const out = tf.add(tf.conv2d(h, variables['encoder.head.weight'] as tf.Tensor4D, 1, 'same'), variables['encoder.head.bias']!);
        const [mu, logvar] = tf.split(out, 2, 3);
        return { mu: mu!, logvar: tf.clipByValue(logvar!, LOGVAR_RANGE[0], LOGVAR_RANGE[1]) };
      });
    },
    dispose() {
      for (const v of Object.values(variables)) v.dispose();
    },
  };
}
