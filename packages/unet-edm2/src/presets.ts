import { defaultUnetConfig, type UnetConfig } from './config';
import { UnknownPresetError } from './errors';

export interface UnetPreset {
  name: string;
  description: string;
  config: UnetConfig;
  /** The parameter count the EDM2 paper's table gives (millions), where there is one. */
  paperMParams?: number;
}

// model_channels and dropout of the official presets (train_edm2.py); the network is otherwise the default UNet.
const OFFICIAL: [string, number, number, number | undefined][] = [
  ['xxs', 64, 0, undefined],
  ['xs', 128, 0, 125],
  ['s', 192, 0, 280],
  ['m', 256, 0.1, 498],
  ['l', 320, 0.1, 777],
  ['xl', 384, 0.1, 1119],
  ['xxl', 448, 0.1, 1523],
];

const IMG64: [string, number, number][] = [
  ['xs', 128, 0],
  ['s', 192, 0],
  ['m', 256, 0.1],
  ['l', 320, 0.1],
  ['xl', 384, 0.1],
];

function build(): UnetPreset[] {
  const out: UnetPreset[] = [];
  for (const [size, channels, dropout, mparams] of OFFICIAL) {
    out.push({
      name: `edm2-img512-${size}`,
      description: `official EDM2 ImageNet-512 preset ${size.toUpperCase()}: 64x64x4 latents, 1000 classes, ${channels} channels`,
      config: defaultUnetConfig({ resolution: 64, channels: 4, labelDim: 1000, modelChannels: channels, dropout }),
      ...(mparams !== undefined ? { paperMParams: mparams } : {}),
    });
  }
  for (const [size, channels, dropout] of IMG64) {
    out.push({
      name: `edm2-img64-${size}`,
      description: `official EDM2 ImageNet-64 preset ${size.toUpperCase()}: 64x64x3 pixels, 1000 classes, ${channels} channels`,
      config: defaultUnetConfig({ resolution: 64, channels: 3, labelDim: 1000, modelChannels: channels, dropout }),
    });
  }
  out.push({
    name: 'cifar10',
    description: 'CIFAR-10 size (32x32x3), unconditional: 128 channels, mult [1,2,2,2], attention at 16x16, dropout 0.13',
    config: defaultUnetConfig({ resolution: 32, channels: 3, modelChannels: 128, channelMult: [1, 2, 2, 2], attnResolutions: [16], dropout: 0.13 }),
  });
  out.push({
    name: 'cifar10-small',
    description: 'CIFAR-10 size (32x32x3) for CPUs: 32 channels, mult [1,2,2], 2 blocks per level, attention at 8x8',
    config: defaultUnetConfig({ resolution: 32, channels: 3, modelChannels: 32, channelMult: [1, 2, 2], numBlocks: 2, attnResolutions: [8], channelsPerHead: 32 }),
  });
  out.push({
    name: 'mnist',
    description: 'MNIST (28x28x1), unconditional, trains on a CPU: 32 channels, mult [1,2,2], 1 block per level, attention at 7x7',
    config: defaultUnetConfig({ resolution: 28, channels: 1, modelChannels: 32, channelMult: [1, 2, 2], numBlocks: 1, attnResolutions: [7], channelsPerHead: 32, logvarChannels: 32 }),
  });
  out.push({
    name: 'mnist-fast',
    description: 'MNIST (28x28x1) for short CPU runs: 16 channels, mult [1,2,2] (down to 7x7), 1 block per level, one attention head at 7x7',
    config: defaultUnetConfig({ resolution: 28, channels: 1, modelChannels: 16, channelMult: [1, 2, 2], numBlocks: 1, attnResolutions: [7], channelsPerHead: 32, logvarChannels: 16 }),
  });
  out.push({
    name: 'mnist-tiny',
    description: 'MNIST (28x28x1) smoke-test size: 16 channels, mult [1,2], 1 block per level, attention at 14x14',
    config: defaultUnetConfig({ resolution: 28, channels: 1, modelChannels: 16, channelMult: [1, 2], numBlocks: 1, attnResolutions: [14], channelsPerHead: 16, logvarChannels: 16 }),
  });
  return out;
}

/** All U-Net presets by name: the official EDM2 ones (`edm2-img512-*`, `edm2-img64-*`) and the project's small ones. */
export const unetPresets: readonly UnetPreset[] = build();

export function unetPresetNames(): string[] {
  return unetPresets.map((p) => p.name);
}

/** The preset called `name` (its config is a fresh copy), or UnknownPresetError listing the valid names. */
export function getUnetPreset(name: string): UnetPreset {
  const p = unetPresets.find((q) => q.name === name);
  if (!p) throw new UnknownPresetError(name, unetPresetNames());
  return { ...p, config: structuredClone(p.config) };
}
