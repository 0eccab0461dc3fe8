import * as tf from '@tensorflow/tfjs-core';
import * as runtime from '@flow/runtime';

/**
 * tfjs-core's Node build registers no gradients; @flow/runtime provides them (registerGradients). Returns
 * whether gradients are available, so gradient tests can say why they are skipped.
 */
export function gradientsAvailable(): boolean {
  const register = (runtime as unknown as Record<string, unknown>).registerGradients;
  if (typeof register === 'function') (register as () => void)();
  const ok = tf.getGradient('Mean') !== undefined && tf.getGradient('Conv2D') !== undefined;
  if (!ok) console.warn('gradient tests skipped: no tfjs gradients registered (@flow/runtime registerGradients missing)');
  return ok;
}
