import type { UnetConfig } from './config';
import { blockLayers, unetLayout, type LayerSpec } from './unet-layout';

/** Analytic floating-point operations of one network evaluation, per image. */
export interface FlopCount {
  /** Multiply-adds x 2 of all convolutions and fully-connected layers. */
  conv: number;
  /** QK^T and AV products of the attention layers (x 2). */
  attention: number;
  /** conv + attention: what `forward` costs. Element-wise work (activations, norms) is left out. */
  forward: number;
  /** forward x 3: a backward pass costs about two forwards (input and weight gradients). */
  forwardBackward: number;
}

/** Counts FLOPs of one image through the U-Net from its config alone. */
export function countFlops(config: UnetConfig): FlopCount {
  const layout = unetLayout(config);
  let conv = 0;
  let attention = 0;
  const layer = (l: LayerSpec, res: number) => {
    const pixels = l.kernel === 0 ? 1 : res * res;
    const k = l.kernel === 0 ? 1 : l.kernel * l.kernel;
    conv += 2 * pixels * k * l.cin * l.cout;
  };
  layer(layout.embNoise, 0);
  if (layout.embLabel) layer(layout.embLabel, 0);
  layer(layout.encConv, config.resolution);
  for (const b of [...layout.encoder, ...layout.decoder]) {
    for (const l of blockLayers(b)) {
      // conv_skip of an encoder block runs after resampling, of a decoder block before (resolution unchanged there)
      const res = l === b.layers.convSkip && b.flavor === 'dec' ? b.inRes : b.res;
      layer(l, res);
    }
    if (b.heads !== 0) {
      const hw = b.res * b.res;
      attention += 2 * 2 * hw * hw * b.cout;
    }
  }
  layer(layout.outConv, config.resolution);
  layer(layout.logvarLinear, 0);
  const forward = conv + attention;
  return { conv, attention, forward, forwardBackward: 3 * forward };
}
