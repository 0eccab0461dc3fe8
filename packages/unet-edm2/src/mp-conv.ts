import * as tf from '@tensorflow/tfjs-core';
import { runFused } from './run-fused';
import { normalize } from './mp-ops';

// Weight normalisation with its scale as one fused kernel pair where a backend registers it (the native engine,
// with its gradient rule): one call forward and one backward instead of ~7 kernels and a ~15-kernel gradient
// chain per layer and step.
const FUSED_WEIGHT_NORM = 'FlowWeightNorm';
const FUSED_WEIGHT_NORM_GRAD = 'FlowWeightNormGrad';
const EPS = 1e-4;

function fusedWeightNorm(w: tf.Tensor, scale: number): tf.Tensor | undefined {
  if (w.dtype !== 'float32' || w.rank < 2 || w.size === 0) return undefined;
  return runFused(FUSED_WEIGHT_NORM, [FUSED_WEIGHT_NORM_GRAD], { w }, { eps: EPS, scale });
}

/** All axes of a stored weight except the output-channel axis (the last, in tfjs layout). */
function inputAxes(w: tf.Tensor): number[] {
  return Array.from({ length: w.rank - 1 }, (_, i) => i);
}

/**
 * The weight a layer actually applies.
 * MP layers (E, G): normalise each output channel to unit RMS (EDM2's weight normalisation, in the graph so
 * gradients see it), then scale by gain / sqrt(fan_in) so unit-variance inputs give unit-variance outputs.
 * Plain layers (C): the stored weight times gain.
 */
export function effectiveWeight(w: tf.Tensor, fanIn: number, gain: number | tf.Tensor, mp: boolean): tf.Tensor {
  return tf.tidy(() => {
    if (!mp) return typeof gain === 'number' && gain === 1 ? tf.clone(w) : tf.mul(w, gain);
    const fused = fusedWeightNorm(w, typeof gain === 'number' ? gain / Math.sqrt(fanIn) : 1 / Math.sqrt(fanIn));
    if (fused) return typeof gain === 'number' ? fused : tf.mul(fused, gain);
    const scale = typeof gain === 'number' ? gain / Math.sqrt(fanIn) : tf.mul(gain, 1 / Math.sqrt(fanIn));
    return tf.mul(normalize(w, inputAxes(w)), scale);
  });
}

/** The stored weight rewritten to its normalised value (EDM2's forced weight normalisation). */
export function forcedNormalized(w: tf.Tensor): tf.Tensor {
  return fusedWeightNorm(w, 1) ?? normalize(w, inputAxes(w));
}

/** Applies a fully-connected ([cin, cout]) or convolution ([k, k, cin, cout], 'same' padding) weight. */
export function applyWeight(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  if (w.rank === 2) return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  if (w.shape[0] === 1 && w.shape[1] === 1) {
    // 1x1 convolution as a matmul: cheaper, and every backend has its gradient.
    const [n, h, wd, c] = x.shape as number[];
    const [, , cin, cout] = w.shape as number[];
    return tf.reshape(tf.matMul(tf.reshape(x, [n * h * wd, c]) as tf.Tensor2D, tf.reshape(w, [cin, cout]) as tf.Tensor2D), [n, h, wd, cout]);
  }
  return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
}
