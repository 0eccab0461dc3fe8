import * as tf from '@tensorflow/tfjs-core';

/** Whether the active backend registers every named kernel (the native engine's fused EDM2 kernels). */
export function hasKernels(...names: string[]): boolean {
  const backend = tf.getBackend();
  return names.every((n) => tf.getKernel(n, backend) !== undefined);
}
