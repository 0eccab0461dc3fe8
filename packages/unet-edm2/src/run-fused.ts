import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorMap } from '@tensorflow/tfjs-core';
import { hasKernels } from './has-kernels';

/**
 * Runs a fused kernel of the active backend whose gradient rule is registered (the native engine registers both),
 * or returns undefined where the backend lacks it, its gradient kernels or the rule: callers then run the composite.
 */
export function runFused(kernel: string, gradKernels: string[], inputs: NamedTensorMap, attrs: NamedAttrMap = {}): tf.Tensor | undefined {
  if (!hasKernels(kernel, ...gradKernels) || tf.getGradient(kernel) === undefined) return undefined;
  return tf.engine().runKernel(kernel, inputs, attrs) as tf.Tensor;
}
