import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapF32, idOf, native, type WasmBackendLike } from './wasm-native';

/**
 * dx = the forward convolution of dy (zero-dilated by the stride, padded by KH-1-padTop etc.) with the filter
 * rotated 180 degrees and its channel axes swapped, run by the backend's own XNNPACK Conv2D at stride 1.
 * The built-in wasm Conv2DBackpropInput is a plain loop about 10x slower than its forward conv; this is as
 * fast as a forward conv of the same size (stride 1; for stride s the dilated input holds s^2-fold zeros).
 */
function conv2DBackpropInput(args: { inputs: Conv2DBackpropInputInputs; backend: unknown; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const dy = args.inputs.dy as TensorInfo;
  const filter = args.inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') throw new Error(`wasm Conv2DBackpropInput supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  const out = backend.makeOutput([N, H, W, C], 'float32');
  if (N * H * W * C === 0) return out;
  if (OH * OW * CO === 0) {
    heapF32(backend, out).fill(0);
    return out;
  }
  // Leading pads of the equivalent forward conv; trailing pads make its output exactly H x W.
  const pt = KH - 1 - info.padInfo.top;
  const pl = KW - 1 - info.padInfo.left;
  const pb = H + KH - 1 - pt - ((OH - 1) * SH + 1);
  const pr = W + KW - 1 - pl - ((OW - 1) * SW + 1);

  // Rotated, channel-swapped filter: f2[i, j, co, ci] = f[KH-1-i, KW-1-j, ci, co].
  const f2 = backend.makeOutput([KH, KW, CO, C], 'float32');
  const direct = SH === 1 && SW === 1 && pt >= 0 && pl >= 0 && pb >= 0 && pr >= 0;
  // Strided or cropping cases: materialise dy dilated and padded into a buffer the conv reads with no padding.
  const HP = H + KH - 1;
  const WP = W + KW - 1;
  const src = direct ? dy : backend.makeOutput([N, HP, WP, CO], 'float32');
  try {
    const f = heapF32(backend, filter);
    const g = heapF32(backend, f2);
    for (let i = 0; i < KH; i++)
      for (let j = 0; j < KW; j++) {
        const fo = ((KH - 1 - i) * KW + (KW - 1 - j)) * C * CO;
        const go = (i * KW + j) * CO * C;
        for (let ci = 0; ci < C; ci++) for (let co = 0; co < CO; co++) g[go + co * C + ci] = f[fo + ci * CO + co];
      }
    if (!direct) {
      const d = heapF32(backend, dy);
      const p = heapF32(backend, src);
      p.fill(0);
      for (let n = 0; n < N; n++)
        for (let oy = 0; oy < OH; oy++) {
          const y = pt + oy * SH;
          if (y < 0 || y >= HP) continue;
          for (let ox = 0; ox < OW; ox++) {
            const x = pl + ox * SW;
            if (x < 0 || x >= WP) continue;
            const s = ((n * OH + oy) * OW + ox) * CO;
            p.set(d.subarray(s, s + CO), ((n * HP + y) * WP + x) * CO);
          }
        }
    }
    const [inH, inW] = direct ? [OH, OW] : [HP, WP];
    const [t, r, b, l] = direct ? [pt, pr, pb, pl] : [0, 0, 0, 0];
    native(backend).conv2d(idOf(backend, src), N, inH, inW, idOf(backend, f2), KH, KW, t, r, b, l, 0, 1, 1, 1, 1, CO, C, idOf(backend, out));
  } finally {
    backend.disposeData(f2.dataId);
    if (!direct) backend.disposeData(src.dataId);
  }
  return out;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
