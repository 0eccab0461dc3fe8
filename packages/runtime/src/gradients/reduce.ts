import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { expandTo } from './reduce-to';

function axesOf(attr: unknown, shape: number[]): number[] {
  return tf.util.parseAxisParam((attr ?? null) as number | number[], shape);
}

function sumLike(kernelName: 'Sum' | 'Mean'): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const x = saved[0];
      const axes = axesOf(attrs.axis, x.shape);
      return {
        x: () => {
          const g = expandTo(dy as Tensor, x.shape, axes);
          if (kernelName === 'Sum') return g;
          const count = axes.reduce((n, a) => n * x.shape[a], 1);
          return tf.div(g, count);
        },
      };
    },
  };
}

/** Max/Min: the gradient goes to every position equal to the extremum (ties all receive it, as in TensorFlow.js). */
function extremum(kernelName: 'Max' | 'Min', axisAttr: string): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const [x, y] = saved;
      const axes = axesOf(attrs[axisAttr], x.shape);
      const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      return {
        x: () => tf.mul(expandTo(dy as Tensor, x.shape, axes), tf.cast(tf.equal(x, tf.reshape(y, kept)), 'float32')),
      };
    },
  };
}

export const reduceGradients: GradConfig[] = [sumLike('Sum'), sumLike('Mean'), extremum('Max', 'reductionIndices'), extremum('Min', 'axis')];
