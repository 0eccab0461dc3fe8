import { getGradient, registerGradient, type GradConfig } from '@tensorflow/tfjs-core';
import { addNGradient, binaryGradients } from './gradients/binary';
import { fusedEdm2Gradients } from './gradients/fused-edm2';
import { nnGradients } from './gradients/nn';
import { reduceGradients } from './gradients/reduce';
import { shapeGradients } from './gradients/shape';
import { unaryGradients } from './gradients/unary';

/** Gradient rules this package provides, by kernel name. */
export const GRADIENTS: readonly GradConfig[] = [...unaryGradients, ...binaryGradients, addNGradient, ...reduceGradients, ...shapeGradients, ...nnGradients, ...fusedEdm2Gradients];

/**
 * Registers gradient rules for the kernels that model training uses. `@tensorflow/tfjs-core` registers no
 * gradients by itself when loaded in Node (only the `@tensorflow/tfjs` union package does), so without this
 * `tf.grads` / optimizers fail with "gradient function not found". Rules already registered (e.g. by
 * `@tensorflow/tfjs` or tfjs-node) are kept. Idempotent; initBackend() calls it. Returns the kernels covered.
 */
export function registerGradients(): string[] {
  for (const g of GRADIENTS) if (!getGradient(g.kernelName)) registerGradient(g);
  return GRADIENTS.map((g) => g.kernelName);
}
