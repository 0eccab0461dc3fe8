import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

// Gradient rules of the native engine's single-output fused EDM2 kernels, registered like any tfjs kernel's: the
// network calls the forward kernel with runKernel and the tape finds these, with none of customGrad's extra scope
// per call (~140 calls per U-Net step). The kernels themselves exist only where the native engine registered them.
const run = (kernel: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap): Tensor => tf.engine().runKernel(kernel, inputs, attrs) as Tensor;
const d = (dy: Tensor | Tensor[]): Tensor => dy as Tensor;

export const fusedEdm2Gradients: GradConfig[] = [
  { kernelName: 'FlowMpSilu', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => run('FlowMpSiluGrad', { x, dy: d(dy) }, {}) }) },
  { kernelName: 'FlowRowNormalize', inputsToSave: ['x'], gradFunc: (dy, [x], attrs) => ({ x: () => run('FlowRowNormalizeGrad', { x, dy: d(dy) }, { eps: attrs.eps }) }) },
  { kernelName: 'FlowWeightNorm', inputsToSave: ['w'], gradFunc: (dy, [w], attrs) => ({ w: () => run('FlowWeightNormGrad', { w, dy: d(dy) }, { eps: attrs.eps, scale: attrs.scale }) }) },
  { kernelName: 'FlowMpSum', gradFunc: (dy, _, attrs) => ({ a: () => tf.mul(d(dy), attrs.ca as number), b: () => tf.mul(d(dy), attrs.cb as number) }) },
  { kernelName: 'FlowDown2x', gradFunc: (dy, _, attrs) => ({ x: () => run('FlowUp2x', { x: d(dy) }, { scale: attrs.scale }) }) },
  { kernelName: 'FlowUp2x', gradFunc: (dy, _, attrs) => ({ x: () => run('FlowDown2x', { x: d(dy) }, { scale: attrs.scale }) }) },
];
