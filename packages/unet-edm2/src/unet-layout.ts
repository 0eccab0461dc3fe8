import { configFlags, type UnetConfig } from './config';
import { UnetInputError } from './errors';

/** One MPConv (kernel 3 or 1) or fully-connected layer (kernel 0). */
export interface LayerSpec {
  name: string;
  cin: number;
  cout: number;
  /** Spatial kernel size; 0 = fully connected. */
  kernel: number;
}

/** One encoder/decoder block of networks_edm2.py (Figure 21 of the paper). */
export interface BlockSpec {
  name: string;
  cin: number;
  cout: number;
  flavor: 'enc' | 'dec';
  resample: 'keep' | 'up' | 'down';
  /** Resolution of the block's input (before resampling). */
  inRes: number;
  /** Resolution of the block's output. */
  res: number;
  /** Attention heads (0 = no attention). */
  heads: number;
  /** Whether the decoder concatenates a skip before this block. */
  takesSkip: boolean;
  layers: {
    convRes0: LayerSpec;
    embLinear: LayerSpec;
    convRes1: LayerSpec;
    convSkip?: LayerSpec;
    attnQkv?: LayerSpec;
    attnProj?: LayerSpec;
  };
}

/** The whole network as a list of layers, derived from the config without allocating anything. */
export interface UnetLayout {
  cnoise: number;
  cemb: number;
  cblock: number[];
  embNoise: LayerSpec;
  embLabel?: LayerSpec;
  encConv: LayerSpec;
  /** Encoder blocks in order (the first level's input conv is `encConv`, before these). */
  encoder: BlockSpec[];
  decoder: BlockSpec[];
  outConv: LayerSpec;
  logvarLinear: LayerSpec;
  /** Channel counts of the skips the encoder pushes, in push order (input conv first). */
  skips: number[];
}

function validate(c: UnetConfig): void {
  const positive = (v: number, name: string) => {
    if (!Number.isInteger(v) || v <= 0) throw new UnetInputError(`unet config: ${name} must be a positive integer, got ${v}`);
  };
  positive(c.resolution, 'resolution');
  positive(c.channels, 'channels');
  positive(c.modelChannels, 'modelChannels');
  positive(c.numBlocks, 'numBlocks');
  positive(c.channelsPerHead, 'channelsPerHead');
  positive(c.logvarChannels, 'logvarChannels');
  if (!Number.isInteger(c.labelDim) || c.labelDim < 0) throw new UnetInputError(`unet config: labelDim must be an integer >= 0, got ${c.labelDim}`);
  if (!Array.isArray(c.channelMult) || c.channelMult.length === 0) throw new UnetInputError('unet config: channelMult must be a non-empty array');
  for (const m of c.channelMult) positive(m, 'channelMult[i]');
  const levels = c.channelMult.length;
  if (c.resolution % 2 ** (levels - 1) !== 0) {
    throw new UnetInputError(`unet config: resolution ${c.resolution} must be divisible by 2^${levels - 1} for ${levels} levels`);
  }
  if (!['C', 'E', 'G'].includes(c.config)) throw new UnetInputError(`unet config: config must be 'C', 'E' or 'G', got '${c.config}'`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new UnetInputError(`unet config: dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.sigmaData > 0)) throw new UnetInputError(`unet config: sigmaData must be > 0, got ${c.sigmaData}`);
}

function block(
  name: string,
  cin: number,
  cout: number,
  cemb: number,
  flavor: 'enc' | 'dec',
  resample: 'keep' | 'up' | 'down',
  inRes: number,
  attention: boolean,
  cph: number,
  takesSkip: boolean,
): BlockSpec {
  const res = resample === 'down' ? inRes / 2 : resample === 'up' ? inRes * 2 : inRes;
  const heads = attention ? Math.floor(cout / cph) : 0;
  if (attention && heads === 0) throw new UnetInputError(`unet config: ${name} has ${cout} channels, fewer than channelsPerHead ${cph}`);
  if (attention && cout % heads !== 0) throw new UnetInputError(`unet config: ${name}: ${cout} channels do not split into ${heads} heads`);
  return {
    name,
    cin,
    cout,
    flavor,
    resample,
    inRes,
    res,
    heads,
    takesSkip,
    layers: {
      convRes0: { name: `${name}.conv_res0`, cin: flavor === 'enc' ? cout : cin, cout, kernel: 3 },
      embLinear: { name: `${name}.emb_linear`, cin: cemb, cout, kernel: 0 },
      convRes1: { name: `${name}.conv_res1`, cin: cout, cout, kernel: 3 },
      ...(cin !== cout ? { convSkip: { name: `${name}.conv_skip`, cin, cout, kernel: 1 } } : {}),
      ...(heads !== 0
        ? {
            attnQkv: { name: `${name}.attn_qkv`, cin: cout, cout: cout * 3, kernel: 1 },
            attnProj: { name: `${name}.attn_proj`, cin: cout, cout, kernel: 1 },
          }
        : {}),
    },
  };
}

/** Lays the U-Net out exactly as networks_edm2.py's UNet.__init__ does (same names, same channel counts). */
export function unetLayout(config: UnetConfig): UnetLayout {
  validate(config);
  const C = config.modelChannels;
  const cblock = config.channelMult.map((m) => C * m);
  const cnoise = config.channelMultNoise !== undefined ? C * config.channelMultNoise : cblock[0];
  const cemb = config.channelMultEmb !== undefined ? C * config.channelMultEmb : Math.max(...cblock);
  const cph = config.channelsPerHead;
  const attn = new Set(config.attnResolutions);

  const encoder: BlockSpec[] = [];
  const skips: number[] = [];
  let cout = config.channels + 1; // + the constant-one channel
  let encConv: LayerSpec | undefined;
  cblock.forEach((channels, level) => {
    const res = config.resolution >> level;
    if (level === 0) {
      encConv = { name: `unet.enc.${res}x${res}_conv`, cin: cout, cout: channels, kernel: 3 };
      cout = channels;
      skips.push(cout);
    } else {
      encoder.push(block(`unet.enc.${res}x${res}_down`, cout, cout, cemb, 'enc', 'down', res * 2, false, cph, false));
      skips.push(cout);
    }
    for (let i = 0; i < config.numBlocks; i++) {
      encoder.push(block(`unet.enc.${res}x${res}_block${i}`, cout, channels, cemb, 'enc', 'keep', res, attn.has(res), cph, false));
      cout = channels;
      skips.push(cout);
    }
  });

  const decoder: BlockSpec[] = [];
  const pending = [...skips];
  for (let level = cblock.length - 1; level >= 0; level--) {
    const channels = cblock[level];
    const res = config.resolution >> level;
    if (level === cblock.length - 1) {
      decoder.push(block(`unet.dec.${res}x${res}_in0`, cout, cout, cemb, 'dec', 'keep', res, true, cph, false));
      decoder.push(block(`unet.dec.${res}x${res}_in1`, cout, cout, cemb, 'dec', 'keep', res, false, cph, false));
    } else {
      decoder.push(block(`unet.dec.${res}x${res}_up`, cout, cout, cemb, 'dec', 'up', res / 2, false, cph, false));
    }
    for (let i = 0; i <= config.numBlocks; i++) {
      const cin = cout + (pending.pop() as number);
      decoder.push(block(`unet.dec.${res}x${res}_block${i}`, cin, channels, cemb, 'dec', 'keep', res, attn.has(res), cph, true));
      cout = channels;
    }
  }

  return {
    cnoise,
    cemb,
    cblock,
    embNoise: { name: 'unet.emb_noise', cin: cnoise, cout: cemb, kernel: 0 },
    ...(config.labelDim !== 0 ? { embLabel: { name: 'unet.emb_label', cin: config.labelDim, cout: cemb, kernel: 0 } } : {}),
    encConv: encConv as LayerSpec,
    encoder,
    decoder,
    outConv: { name: 'unet.out_conv', cin: cout, cout: config.channels, kernel: 3 },
    logvarLinear: { name: 'logvar_linear', cin: config.logvarChannels, cout: 1, kernel: 0 },
    skips,
  };
}

/** Every layer of a block, in a fixed order. */
export function blockLayers(b: BlockSpec): LayerSpec[] {
  const l = b.layers;
  return [l.convRes0, l.embLinear, l.convRes1, l.convSkip, l.attnQkv, l.attnProj].filter((x): x is LayerSpec => x !== undefined);
}

/** Whether the config has the learned scalar gains (G). */
export function hasLearnedGains(config: UnetConfig): boolean {
  return configFlags(config.config).learnedGains;
}
