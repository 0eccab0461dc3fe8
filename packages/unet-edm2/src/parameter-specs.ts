import { configFlags, type UnetConfig } from './config';
import { blockLayers, unetLayout, type LayerSpec } from './unet-layout';

/** One trainable tensor of the network: its flat name, shape (tfjs layout) and how it is initialised. */
export interface ParameterSpec {
  name: string;
  shape: number[];
  /**
   * `unit-normal`: N(0, 1) (the MP layers of E and G normalise it anyway);
   * `he-normal`: N(0, 1/fan_in), unit-variance outputs for the plain layers of C;
   * `zeros`: the learned gains of G.
   */
  init: 'unit-normal' | 'he-normal' | 'zeros';
  /** Inputs per output channel (kh * kw * cin), 0 for scalars. */
  fanIn: number;
}

/** A fixed (non-trainable) tensor: the frequencies and phases of the Fourier features. */
export interface BufferSpec {
  name: string;
  shape: number[];
  init: 'fourier-freqs' | 'fourier-phases';
}

/** Shape in tfjs layout: conv filters are [kh, kw, cin, cout], fully-connected weights [cin, cout]. */
export function layerWeightShape(l: LayerSpec): number[] {
  return l.kernel === 0 ? [l.cin, l.cout] : [l.kernel, l.kernel, l.cin, l.cout];
}

export function layerFanIn(l: LayerSpec): number {
  return l.kernel === 0 ? l.cin : l.kernel * l.kernel * l.cin;
}

/** The trainable parameters of a U-Net config, in a fixed order, without allocating them. */
export function parameterSpecs(config: UnetConfig): ParameterSpec[] {
  const flags = configFlags(config.config);
  const layout = unetLayout(config);
  const init = flags.mpLearnedLayers ? 'unit-normal' : 'he-normal';
  const out: ParameterSpec[] = [];
  const weight = (l: LayerSpec) => out.push({ name: `${l.name}.weight`, shape: layerWeightShape(l), init, fanIn: layerFanIn(l) });
  const gain = (name: string) => {
    if (flags.learnedGains) out.push({ name, shape: [], init: 'zeros', fanIn: 0 });
  };
  weight(layout.embNoise);
  if (layout.embLabel) weight(layout.embLabel);
  weight(layout.encConv);
  for (const b of [...layout.encoder, ...layout.decoder]) {
    gain(`${b.name}.emb_gain`);
    for (const l of blockLayers(b)) weight(l);
  }
  weight(layout.outConv);
  gain('unet.out_gain');
  weight(layout.logvarLinear);
  return out;
}

/** The fixed Fourier-feature buffers (not trainable, not counted as parameters). */
export function bufferSpecs(config: UnetConfig): BufferSpec[] {
  const layout = unetLayout(config);
  return [
    { name: 'unet.emb_fourier.freqs', shape: [layout.cnoise], init: 'fourier-freqs' },
    { name: 'unet.emb_fourier.phases', shape: [layout.cnoise], init: 'fourier-phases' },
    { name: 'logvar_fourier.freqs', shape: [config.logvarChannels], init: 'fourier-freqs' },
    { name: 'logvar_fourier.phases', shape: [config.logvarChannels], init: 'fourier-phases' },
  ];
}

/** Number of trainable parameters (U-Net plus the log-variance head, as the official Precond module counts). */
export function countParameters(config: UnetConfig): number {
  let n = 0;
  for (const p of parameterSpecs(config)) n += p.shape.reduce((a, b) => a * b, 1);
  return n;
}
