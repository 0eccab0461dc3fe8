/**
 * The three EDM2 configurations this package builds, with the meaning they have in Table 1 of Karras et al.,
 * "Analyzing and Improving the Training Dynamics of Diffusion Models" (CVPR 2024):
 *
 * - `C`: architectural streamlining. No biases anywhere (a constant-one channel is concatenated to the input
 *   instead), unit-variance initialisation of every weight, Fourier-feature noise embedding, group
 *   normalisation without mean subtraction or learned scale, cosine attention. Plain sum / concat / SiLU.
 * - `E`: C + magnitude-preserving learned layers (weights normalised in the forward pass, scaled by
 *   gain / sqrt(fan_in), unit-normal init; paper config D) + control of the effective learning rate: forced
 *   weight normalisation of the stored weights and an inverse-square-root learning-rate decay.
 * - `G`: E + no group norms (pixel norm on the encoder main path, paper config F) + magnitude-preserving
 *   fixed-function layers: mp_silu, mp_sum, mp_cat, MP Fourier features, and learned scalar gains initialised
 *   to zero on the conditioning and on the output. This is the released EDM2 network.
 */
export type Edm2ConfigLetter = 'C' | 'E' | 'G';

/** The switches that tell the configurations apart (see {@link configFlags}). */
export interface Edm2Flags {
  /** Weights normalised to unit norm per output channel inside the forward pass, times gain / sqrt(fan_in). */
  mpLearnedLayers: boolean;
  /** Stored weights rewritten to their normalised value on every training step (`forceWeightNorm`). */
  forcedWeightNorm: boolean;
  /** Learning-rate schedule the trainer should use: EDM2's ref_lr / sqrt(max(step / ref_steps, 1)), or constant. */
  lrSchedule: 'constant' | 'inverse-sqrt';
  /** Group norms (RMS over channel groups, no affine) at the start of each branch; removed in G. */
  groupNorm: boolean;
  /** Pixel norm of the encoder main path (replaces group norms in G). */
  pixelNorm: boolean;
  /** mp_silu / mp_sum / mp_cat / MP Fourier instead of silu / + / concat / cos-sin Fourier. */
  mpFixedFunction: boolean;
  /** Learned scalar gains (init 0) on the embedding modulation and on the output layer. */
  learnedGains: boolean;
}

const FLAGS: Record<Edm2ConfigLetter, Edm2Flags> = {
  C: { mpLearnedLayers: false, forcedWeightNorm: false, lrSchedule: 'constant', groupNorm: true, pixelNorm: false, mpFixedFunction: false, learnedGains: false },
  E: { mpLearnedLayers: true, forcedWeightNorm: true, lrSchedule: 'inverse-sqrt', groupNorm: true, pixelNorm: false, mpFixedFunction: false, learnedGains: false },
  G: { mpLearnedLayers: true, forcedWeightNorm: true, lrSchedule: 'inverse-sqrt', groupNorm: false, pixelNorm: true, mpFixedFunction: true, learnedGains: true },
};

/** The flag set of configuration `letter` (a fresh copy). */
export function configFlags(letter: Edm2ConfigLetter): Edm2Flags {
  return { ...FLAGS[letter] };
}

/** Everything that defines an EDM2 U-Net. JSON-safe, so a run directory can store it as it is. */
export interface UnetConfig {
  /** Image side (square images, NHWC). Must be divisible by 2^(levels - 1). */
  resolution: number;
  /** Image (or latent) channels. */
  channels: number;
  /** Number of classes; 0 = unconditional. Labels are one-hot rows of this length. */
  labelDim: number;
  /** Base channel count (`model_channels`). */
  modelChannels: number;
  /** Channel multiplier per resolution level (`channel_mult`). */
  channelMult: number[];
  /** Noise-embedding width as a multiple of modelChannels; default channelMult[0]. */
  channelMultNoise?: number;
  /** Embedding width as a multiple of modelChannels; default max(channelMult). */
  channelMultEmb?: number;
  /** Residual blocks per level in the encoder (the decoder has one more). */
  numBlocks: number;
  /** Resolutions with self-attention (the lowest-resolution decoder `in0` block always has it). */
  attnResolutions: number[];
  channelsPerHead: number;
  dropout: number;
  resBalance: number;
  attnBalance: number;
  labelBalance: number;
  concatBalance: number;
  /** Clip block outputs to +-clipAct; 0 disables. */
  clipAct: number;
  /** Width of the Fourier features of the learned log-variance u(t). */
  logvarChannels: number;
  /** Expected standard deviation of the data (EDM's sigma_data). */
  sigmaData: number;
  /** Which EDM2 configuration (C, E or G). */
  config: Edm2ConfigLetter;
}

/** The official defaults of networks_edm2.py (UNet + Precond) for a given shape; G configuration. */
export function defaultUnetConfig(partial: Partial<UnetConfig> & Pick<UnetConfig, 'resolution' | 'channels'>): UnetConfig {
  return {
    labelDim: 0,
    modelChannels: 192,
    channelMult: [1, 2, 3, 4],
    numBlocks: 3,
    attnResolutions: [16, 8],
    channelsPerHead: 64,
    dropout: 0,
    resBalance: 0.3,
    attnBalance: 0.3,
    labelBalance: 0.5,
    concatBalance: 0.5,
    clipAct: 256,
    logvarChannels: 128,
    sigmaData: 0.5,
    config: 'G',
    ...partial,
  };
}
