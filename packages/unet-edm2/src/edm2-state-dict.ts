import { defaultUnetConfig, type UnetConfig } from './config';
import { UnetInputError } from './errors';
import { bufferSpecs, parameterSpecs } from './parameter-specs';

/** A tensor of an official EDM2 state dict: PyTorch layout (OIHW convolutions, [out, in] linears), C order. */
export interface StateTensor {
  shape: readonly number[];
  data: Float32Array | Float64Array;
}

/** A tensor in this package's layout (HWIO convolutions, [in, out] linears), ready for `Edm2Unet.load`. */
export interface LayoutTensor {
  shape: number[];
  data: Float32Array;
}

export interface Edm2Import {
  /** Trainable tensors by this package's (= the official) names. */
  weights: Record<string, LayoutTensor>;
  /** The fixed Fourier frequencies and phases. */
  buffers: Record<string, LayoutTensor>;
  /** What had to be filled in or stripped, for the user to read (e.g. a UNet-only state dict without u(sigma)). */
  notes: string[];
}

// The official keyword arguments (networks_edm2.py: Precond, UNet, Block) and the field each sets.
const KWARGS: Record<string, keyof UnetConfig> = {
  img_resolution: 'resolution',
  img_channels: 'channels',
  label_dim: 'labelDim',
  model_channels: 'modelChannels',
  channel_mult: 'channelMult',
  channel_mult_noise: 'channelMultNoise',
  channel_mult_emb: 'channelMultEmb',
  num_blocks: 'numBlocks',
  attn_resolutions: 'attnResolutions',
  channels_per_head: 'channelsPerHead',
  dropout: 'dropout',
  res_balance: 'resBalance',
  attn_balance: 'attnBalance',
  label_balance: 'labelBalance',
  concat_balance: 'concatBalance',
  clip_act: 'clipAct',
  logvar_channels: 'logvarChannels',
  sigma_data: 'sigmaData',
};
/** Accepted and ignored: they change nothing in the function the network computes in float32. */
const IGNORED = new Set(['class_name', 'use_fp16']);

/**
 * The U-Net config of an official EDM2 network from its `Precond`/`UNet`/`Block` keyword arguments, by their
 * official names (`img_resolution`, `model_channels`, `channel_mult`, ...); missing ones take the official
 * defaults. The released networks are configuration G, the only one networks_edm2.py builds.
 */
export function edm2ConfigFromKwargs(kwargs: Record<string, unknown>, source = 'EDM2 config'): UnetConfig {
  const bad = (key: string, expected: string): never => {
    throw new UnetInputError(`${source}: field '${key}' must be ${expected}, got ${JSON.stringify(kwargs[key])}`);
  };
  const unknown = Object.keys(kwargs).filter((k) => !(k in KWARGS) && !IGNORED.has(k) && k !== 'resample_filter');
  if (unknown.length > 0) throw new UnetInputError(`${source}: unknown field(s) ${unknown.join(', ')} (expected the official Precond/UNet/Block keyword arguments: ${Object.keys(KWARGS).join(', ')})`);
  for (const key of ['img_resolution', 'img_channels']) if (kwargs[key] === undefined) bad(key, 'given (a positive integer)');
  const rf = kwargs.resample_filter;
  if (rf !== undefined && JSON.stringify(rf) !== '[1,1]') bad('resample_filter', '[1, 1] (the only filter this package implements)');
  const partial: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(KWARGS)) {
    const v = kwargs[key];
    if (v === undefined || (v === null && (key === 'channel_mult_noise' || key === 'channel_mult_emb'))) continue;
    if (key === 'clip_act') {
      if (v === null) partial.clipAct = 0;
      else if (typeof v !== 'number' || !(v > 0)) bad(key, 'a positive number or null');
      else partial.clipAct = v;
      continue;
    }
    if (key === 'channel_mult' || key === 'attn_resolutions') {
      if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && x > 0)) bad(key, 'a list of positive integers');
      partial[field] = [...(v as number[])];
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) bad(key, 'a number');
    partial[field] = v;
  }
  return defaultUnetConfig({ ...(partial as Partial<UnetConfig>), resolution: partial.resolution as number, channels: partial.channels as number, config: 'G' });
}

/** The PyTorch shape of a tensor whose layout here is `shape` (see `layerWeightShape`). */
function torchShape(shape: number[]): number[] {
  if (shape.length === 2) return [shape[1]!, shape[0]!];
  if (shape.length === 4) return [shape[3]!, shape[2]!, shape[0]!, shape[1]!];
  return shape;
}

/** [out, in] -> [in, out]; [out, in, kh, kw] -> [kh, kw, in, out]; others unchanged. */
function toLayout(t: StateTensor, shape: number[]): Float32Array {
  const src = t.data;
  const out = new Float32Array(src.length);
  if (shape.length === 2) {
    const [cin, cout] = shape as [number, number];
    for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) out[i * cout + o] = src[o * cin + i]!;
  } else if (shape.length === 4) {
    const [kh, kw, cin, cout] = shape as [number, number, number, number];
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < cin; i++)
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((y * kw + x) * cin + i) * cout + o] = src[((o * cin + i) * kh + y) * kw + x]!;
  } else out.set(src);
  return out;
}

/** The key prefix (`module.`, `net.`, ...) in front of the official names, or 'unet.' missing entirely (a bare UNet). */
function findPrefix(names: string[]): { strip: string; add: string } {
  const anchor = 'unet.emb_noise.weight';
  for (const n of names) {
    if (n.endsWith(anchor)) return { strip: n.slice(0, -anchor.length), add: '' };
  }
  for (const n of names) {
    if (n.endsWith('emb_noise.weight')) return { strip: n.slice(0, -'emb_noise.weight'.length), add: 'unet.' };
  }
  return { strip: '', add: '' };
}

/**
 * Maps an official EDM2 state dict (networks_edm2.py parameter and buffer names, PyTorch layouts) onto this
 * package's network for `config`: checks every name and shape, transposes the layouts, and reports tensors
 * that are missing or left over by name.
 */
export function edm2StateDictToTensors(config: UnetConfig, stateDict: Record<string, StateTensor>, source = 'state dict'): Edm2Import {
  const names = Object.keys(stateDict);
  const { strip, add } = findPrefix(names);
  const notes: string[] = [];
  if (strip !== '') notes.push(`stripped the key prefix '${strip}'`);
  const byName = new Map<string, StateTensor>();
  const outside = names.filter((n) => !n.startsWith(strip));
  for (const n of names) if (n.startsWith(strip)) byName.set(add + n.slice(strip.length), stateDict[n]!);
  /** The name as the state dict spells it. */
  const orig = (name: string) => strip + name.slice(add.length);
  const used = new Set<string>();
  const take = (name: string, shape: number[], optional: boolean): LayoutTensor | null => {
    const t = byName.get(name);
    const want = torchShape(shape);
    if (!t) {
      if (optional) return null;
      throw new UnetInputError(`${source}: tensor '${orig(name)}' is missing (expected shape [${want.join(', ')}] for this config)`);
    }
    if (t.shape.join(',') !== want.join(',')) throw new UnetInputError(`${source}: tensor '${orig(name)}' has shape [${t.shape.join(', ')}], expected [${want.join(', ')}] for this config`);
    used.add(name);
    return { shape, data: toLayout(t, shape) };
  };
  // u(sigma) (logvar_*) belongs to Precond and is not needed for sampling: a bare UNet state dict gets zeros.
  const optional = (name: string) => add !== '' && name.startsWith('logvar_');
  const fill = (name: string, shape: number[]): LayoutTensor => {
    notes.push(`'${name}' is not in the state dict (a bare UNet); filled with zeros (only the training loss uses it)`);
    return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
  };
  const weights: Record<string, LayoutTensor> = {};
  for (const s of parameterSpecs(config)) weights[s.name] = take(s.name, s.shape, optional(s.name)) ?? fill(s.name, s.shape);
  const buffers: Record<string, LayoutTensor> = {};
  for (const s of bufferSpecs(config)) buffers[s.name] = take(s.name, s.shape, optional(s.name)) ?? fill(s.name, s.shape);
  const extra = [...outside, ...[...byName.keys()].filter((n) => !used.has(n)).map(orig)];
  if (extra.length > 0) {
    const list = extra.slice(0, 5).map((n) => `'${n}'`).join(', ');
    throw new UnetInputError(`${source}: ${extra.length} tensor(s) this config does not have: ${list}${extra.length > 5 ? ', ...' : ''} (does the config match the checkpoint?)`);
  }
  return { weights, buffers, notes };
}
