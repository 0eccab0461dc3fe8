import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { reduceTo } from './reduce-to';

const d = (dy: Tensor | Tensor[]): Tensor => dy as Tensor;
const run = (kernel: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap): Tensor =>
  tf.engine().runKernel(kernel, inputs, attrs) as Tensor;

/**
 * AvgPool averages over the window's in-image pixels only (TensorFlow semantics), but the AvgPoolGrad kernels
 * divide by the full window area; so dy is first rescaled by area / count per output position.
 */
function avgPoolGrad(dy: Tensor, x: Tensor, attrs: NamedAttrMap): Tensor {
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = info;
  const count = (o: number, s: number, pad: number, f: number, n: number): number => Math.min(n, o * s - pad + f) - Math.max(0, o * s - pad);
  const scale = new Float32Array(OH * OW);
  let partial = false;
  for (let oy = 0; oy < OH; oy++)
    for (let ox = 0; ox < OW; ox++) {
      const c = count(oy, SH, info.padInfo.top, FH, H) * count(ox, SW, info.padInfo.left, FW, W);
      scale[oy * OW + ox] = (FH * FW) / c;
      if (c !== FH * FW) partial = true;
    }
  const g = partial ? tf.mul(dy, tf.tensor4d(scale, [1, OH, OW, 1])) : dy;
  return run('AvgPoolGrad', { dy: g, input: x }, { filterSize: attrs.filterSize, strides: attrs.strides, pad: attrs.pad } as NamedAttrMap);
}

/** Row (or column) sources of a nearest-neighbour resize, read off the forward kernel itself so every mode matches. */
function nearestSources(n: number, size: number, alongH: boolean, attrs: NamedAttrMap): Int32Array {
  return tf.tidy(() => {
    const idx = tf.reshape(tf.range(0, n, 1, 'float32'), alongH ? [1, n, 1, 1] : [1, 1, n, 1]) as Tensor4D;
    const out = tf.image.resizeNearestNeighbor(idx, alongH ? [size, 1] : [1, size], attrs.alignCorners as boolean, attrs.halfPixelCenters as boolean);
    return Int32Array.from(out.dataSync());
  });
}

function oneHot(src: Int32Array, n: number): Tensor {
  const m = new Float32Array(src.length * n);
  src.forEach((s, o) => (m[o * n + s] = 1));
  return tf.tensor2d(m, [src.length, n]);
}

/**
 * Exact gradient of ResizeNearestNeighbor for any size and mode: each input pixel collects the dy of the outputs
 * that copied it, as two one-hot matmuls (rows, then columns). The stock ResizeNearestNeighborGrad kernels
 * disagree with the forward mapping for some sizes (e.g. 3x4 -> 6x8), so they are not used.
 */
function resizeNearestGrad(dy: Tensor, images: Tensor, attrs: NamedAttrMap): Tensor {
  const [N, H, W, C] = images.shape;
  const [, OH, OW] = dy.shape;
  const rows = oneHot(nearestSources(H, OH, true, attrs), H); // [OH, H]
  const cols = oneHot(nearestSources(W, OW, false, attrs), W); // [OW, W]
  // [N, OH, OW, C] -> [N, OW, C, OH] x [OH, H] -> [N, OW, C, H] -> [N, H, C, OW] x [OW, W] -> [N, H, C, W] -> [N, H, W, C]
  const a = tf.matMul(tf.reshape(tf.transpose(dy, [0, 2, 3, 1]), [N * OW * C, OH]), rows);
  const b = tf.transpose(tf.reshape(a, [N, OW, C, H]), [0, 3, 2, 1]);
  const c = tf.matMul(tf.reshape(b, [N * H * C, OW]), cols);
  return tf.transpose(tf.reshape(c, [N, H, C, W]), [0, 1, 3, 2]);
}

export const nnGradients: GradConfig[] = [
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs: NamedAttrMap) => {
      const ta = attrs.transposeA as boolean;
      const tb = attrs.transposeB as boolean;
      const g = d(dy);
      // Gradients with broadcast batch dimensions are summed back by reduceTo.
      const ga = (): Tensor => {
        const r = !ta && !tb ? tf.matMul(g, b, false, true) : !ta && tb ? tf.matMul(g, b) : ta && !tb ? tf.matMul(b, g, false, true) : tf.matMul(b, g, true, true);
        return reduceTo(r, a.shape);
      };
      const gb = (): Tensor => {
        const r = !ta && !tb ? tf.matMul(a, g, true, false) : !ta && tb ? tf.matMul(g, a, true, false) : ta && !tb ? tf.matMul(a, g) : tf.matMul(g, a, true, true);
        return reduceTo(r, b.shape);
      };
      return { a: ga, b: gb };
    },
  },
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs: NamedAttrMap) => {
      const dil = attrs.dilations as number | [number, number];
      if (!(dil === 1 || (Array.isArray(dil) && dil[0] === 1 && dil[1] === 1)))
        throw new Error('Conv2D gradient: dilations other than 1 are not supported');
      const common = { strides: attrs.strides, pad: attrs.pad, dataFormat: attrs.dataFormat, dimRoundingMode: attrs.dimRoundingMode } as NamedAttrMap;
      return {
        x: () => run('Conv2DBackpropInput', { dy: d(dy), filter }, { ...common, inputShape: x.shape }),
        filter: () => run('Conv2DBackpropFilter', { x, dy: d(dy) }, { ...common, filterShape: filter.shape }),
      };
    },
  },
  {
    kernelName: 'Conv2DBackpropInput',
    inputsToSave: ['dy', 'filter'],
    gradFunc: (ddx, [dy, filter], attrs: NamedAttrMap) => {
      const common = { strides: attrs.strides, pad: attrs.pad, dataFormat: attrs.dataFormat, dimRoundingMode: attrs.dimRoundingMode } as NamedAttrMap;
      return {
        dy: () => run('Conv2D', { x: d(ddx), filter }, { ...common, dilations: 1 }),
        filter: () => run('Conv2DBackpropFilter', { x: d(ddx), dy }, { ...common, filterShape: filter.shape }),
      };
    },
  },
  {
    kernelName: 'AvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs: NamedAttrMap) => ({ x: () => avgPoolGrad(d(dy), x, attrs) }),
  },
  {
    kernelName: 'MaxPool',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs: NamedAttrMap) => ({
      x: () =>
        run('MaxPoolGrad', { dy: d(dy), input: x, output: y }, {
          filterSize: attrs.filterSize,
          strides: attrs.strides,
          pad: attrs.pad,
          dimRoundingMode: attrs.dimRoundingMode,
        } as NamedAttrMap),
    }),
  },
  {
    kernelName: 'ResizeNearestNeighbor',
    inputsToSave: ['images'],
    gradFunc: (dy, [images], attrs: NamedAttrMap) => ({ images: () => resizeNearestGrad(d(dy), images, attrs) }),
  },
  {
    kernelName: 'ResizeBilinear',
    inputsToSave: ['images'],
    gradFunc: (dy, [images], attrs: NamedAttrMap) => ({
      images: () => run('ResizeBilinearGrad', { images, dy: d(dy) }, attrs),
    }),
  },
  {
    kernelName: 'Softmax',
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs: NamedAttrMap) => {
      const dim = attrs.dim as number;
      return { logits: () => tf.mul(y, tf.sub(d(dy), tf.sum(tf.mul(d(dy), y), [dim], true))) };
    },
  },
];

