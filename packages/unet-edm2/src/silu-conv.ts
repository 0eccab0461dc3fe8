import * as tf from '@tensorflow/tfjs-core';
import { hasKernels } from './has-kernels';

// A 3x3 'same' conv of the block's activation, conv(mp_silu(x)) or conv(mp_silu(x s)) with per-image channel
// scales, as one kernel where the backend has it (@flow/runtime's wasm engine applies the activation as the conv
// copies its input into the padded image): the activation's own pass over memory and its tensor are saved. The
// gradient is the unfused pair's, kernel for kernel: the conv's input gradient, then the activation's gradient
// (x, and s), and the filter gradient of the activated x (activated again inside that kernel).
const SILU_CONV = 'FlowMpSiluConv2D';
const SILU_CONV_FILTER_GRAD = 'FlowMpSiluConv2DBackpropFilter';
const SILU_GRAD = 'FlowMpSiluGrad';
const SILU_MOD_GRAD = 'FlowMpSiluModGrad';

const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) => tf.engine().runKernel(kernel, inputs, attrs);

/** The conv's input gradient: the kernel and attributes tf.conv2d's own gradient uses. */
const inputGrad = (dy: tf.Tensor, filter: tf.Tensor, x: tf.Tensor) =>
  run('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape }) as tf.Tensor;

const filterGrad = (x: tf.Tensor, dy: tf.Tensor, filter: tf.Tensor, s?: tf.Tensor) =>
  run(SILU_CONV_FILTER_GRAD, s ? { x, dy, s } : { x, dy }, { filterShape: filter.shape }) as tf.Tensor;

const siluConv = tf.customGrad(((x: tf.Tensor, filter: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, filter]);
  return {
    value: run(SILU_CONV, { x, filter }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [xs, fs]: tf.Tensor[]) => [run(SILU_GRAD, { x: xs!, dy: inputGrad(dy, fs!, xs!) }) as tf.Tensor, filterGrad(xs!, dy, fs!)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

const siluModConv = tf.customGrad(((x: tf.Tensor, filter: tf.Tensor, s: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, filter, s]);
  return {
    value: run(SILU_CONV, { x, filter, s }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [xs, fs, ss]: tf.Tensor[]) => {
      const [dx, ds] = run(SILU_MOD_GRAD, { x: xs!, s: ss!, dy: inputGrad(dy, fs!, xs!) }) as tf.Tensor[];
      return [dx!, filterGrad(xs!, dy, fs!, ss), ds!];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/**
 * conv(mp_silu(x), filter), or conv(mp_silu(x s), filter) with `s` [n, c], as one kernel with its gradient
 * where the backend registers the kernels; undefined elsewhere (the caller composes mp_silu and the conv).
 */
export function fusedSiluConv(x: tf.Tensor4D, filter: tf.Tensor4D, s?: tf.Tensor2D): tf.Tensor4D | undefined {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.size === 0) return undefined;
  if (!hasKernels(SILU_CONV, SILU_CONV_FILTER_GRAD, SILU_GRAD, SILU_MOD_GRAD, 'Conv2DBackpropInput')) return undefined;
  return (s ? siluModConv(x, filter, s) : siluConv(x, filter)) as tf.Tensor4D;
}
