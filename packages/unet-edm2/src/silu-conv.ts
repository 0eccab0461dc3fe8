import * as tf from '@tensorflow/tfjs-core';
import { hasKernels } from './has-kernels';

// A 3x3 'same' conv of the block's activation, conv(mp_silu(x)) or conv(mp_silu(x s)) with per-image channel
// scales, as one kernel where the backend has it (@flow/runtime's wasm engine applies the activation as the conv
// copies its input into the padded image): the activation's own pass over memory and its tensor are saved. The
// gradient is the unfused pair's, kernel for kernel: the conv's input gradient, then the activation's gradient
// (x, and s), and the filter gradient of the activated x. Under a gradient tape the conv also returns the
// activated, zero-padded x it made (empty where the engine's filter gradient would not read it), and the filter
// gradient reads that instead of activating x again: one activation and one copy fewer per conv and step.
const SILU_CONV = 'FlowMpSiluConv2D';
const SILU_CONV_FILTER_GRAD = 'FlowMpSiluConv2DBackpropFilter';
const SILU_GRAD = 'FlowMpSiluGrad';
const SILU_MOD_GRAD = 'FlowMpSiluModGrad';

const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) => tf.engine().runKernel(kernel, inputs, attrs);

/** The conv's input gradient: the kernel and attributes tf.conv2d's own gradient uses. */
const inputGrad = (dy: tf.Tensor, filter: tf.Tensor, x: tf.Tensor) =>
  run('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape }) as tf.Tensor;

const filterGrad = (x: tf.Tensor, dy: tf.Tensor, filter: tf.Tensor, s: tf.Tensor | undefined, padded: tf.Tensor | undefined) => {
  const inputs: tf.NamedTensorMap = { x, dy };
  if (s) inputs.s = s;
  if (padded) inputs.padded = padded;
  return run(SILU_CONV_FILTER_GRAD, inputs, { filterShape: filter.shape }) as tf.Tensor;
};

/**
 * The fused conv, with its padded input too while a gradient is recorded (outside one nothing would read it).
 * Returns y and the tensors to save: the inputs, then the padded x where there is one.
 */
function forward(inputs: tf.NamedTensorMap): [tf.Tensor, tf.Tensor[]] {
  const saved = Object.values(inputs);
  if (tf.engine().state.gradientDepth === 0) return [run(SILU_CONV, inputs) as tf.Tensor, saved];
  const [y, padded] = run(SILU_CONV, inputs, { keepPadded: true }) as tf.Tensor[];
  return [y!, padded!.size > 0 ? [...saved, padded!] : saved];
}

const siluConv = tf.customGrad(((x: tf.Tensor, filter: tf.Tensor, save: tf.GradSaveFunc) => {
  const [value, saved] = forward({ x, filter });
  save(saved);
  return {
    value,
    gradFunc: (dy: tf.Tensor, [xs, fs, ps]: tf.Tensor[]) => [run(SILU_GRAD, { x: xs!, dy: inputGrad(dy, fs!, xs!) }) as tf.Tensor, filterGrad(xs!, dy, fs!, undefined, ps)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

const siluModConv = tf.customGrad(((x: tf.Tensor, filter: tf.Tensor, s: tf.Tensor, save: tf.GradSaveFunc) => {
  const [value, saved] = forward({ x, filter, s });
  save(saved);
  return {
    value,
    gradFunc: (dy: tf.Tensor, [xs, fs, ss, ps]: tf.Tensor[]) => {
      const [dx, ds] = run(SILU_MOD_GRAD, { x: xs!, s: ss!, dy: inputGrad(dy, fs!, xs!) }) as tf.Tensor[];
      return [dx!, filterGrad(xs!, dy, fs!, ss, ps), ds!];
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
