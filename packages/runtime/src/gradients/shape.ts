import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

const d = (dy: Tensor | Tensor[]): Tensor => dy as Tensor;

export const shapeGradients: GradConfig[] = [
  { kernelName: 'Reshape', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(d(dy), x.shape) }) },
  { kernelName: 'ExpandDims', inputsToSave: ['input'], gradFunc: (dy, [x]) => ({ input: () => tf.reshape(d(dy), x.shape) }) },
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _s, attrs: NamedAttrMap) => {
      const perm = attrs.perm as number[];
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => (inverse[p] = i));
      return { x: () => tf.transpose(d(dy), inverse) };
    },
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0].shape)[0];
      const sizes = saved.map((t) => t.shape[axis]);
      const out: Record<string, () => Tensor> = {};
      let begin = 0;
      saved.forEach((t, i) => {
        const start = begin;
        begin += sizes[i];
        out[i] = () => {
          const b = t.shape.map(() => 0);
          b[axis] = start;
          return tf.slice(d(dy), b, t.shape);
        };
      });
      return out;
    },
  },
  {
    kernelName: 'Pack',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const parts = tf.unstack(d(dy), attrs.axis as number);
      const out: Record<string, () => Tensor> = {};
      saved.forEach((_, i) => (out[i] = () => parts[i]));
      return out;
    },
  },
  { kernelName: 'Unpack', gradFunc: (dy, _s, attrs: NamedAttrMap) => ({ value: () => tf.stack(dy as Tensor[], attrs.axis as number) }) },
  {
    kernelName: 'SplitV',
    gradFunc: (dy, _s, attrs: NamedAttrMap) => ({ x: () => tf.concat(dy as Tensor[], attrs.axis as number) }),
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs: NamedAttrMap) => {
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
      const paddings = x.shape.map((n, i) => [begin[i], n - begin[i] - size[i]] as [number, number]);
      return { x: () => tf.pad(d(dy), paddings) };
    },
  },
  {
    kernelName: 'PadV2',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs: NamedAttrMap) => {
      const begin = (attrs.paddings as [number, number][]).map((p) => p[0]);
      return { x: () => tf.slice(d(dy), begin, x.shape) };
    },
  },
  {
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs: NamedAttrMap) => {
      const reps = attrs.reps as number[];
      // dy viewed as [r0, d0, r1, d1, ...]: summing the r axes adds every tile's contribution.
      return {
        x: () => {
          const split = x.shape.flatMap((n, i) => [reps[i], n]);
          const axes = x.shape.map((_, i) => 2 * i);
          return tf.reshape(tf.sum(tf.reshape(d(dy), split), axes), x.shape);
        },
      };
    },
  },
  {
    kernelName: 'Reverse',
    gradFunc: (dy, _s, attrs: NamedAttrMap) => ({ x: () => tf.reverse(d(dy), attrs.dims as number[]) }),
  },
  {
    kernelName: 'Select',
    inputsToSave: ['condition'],
    gradFunc: (dy, [condition]) => ({
      condition: () => tf.zeros(condition.shape),
      t: () => tf.mul(d(dy), tf.cast(condition, 'float32')),
      e: () => tf.mul(d(dy), tf.cast(tf.logicalNot(condition), 'float32')),
    }),
  },
];
