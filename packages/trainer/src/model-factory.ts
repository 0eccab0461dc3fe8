import * as unet from '@flow/unet-edm2';
import type { Dataset } from '@flow/data';
import { Rng } from '@flow/random';
import { TrainerInputError } from './errors';
import type { ModelConfig } from './model-config';
import { TRAIN_DEFAULTS } from './train-defaults';
import type { TrainableNet } from './velocity-net';

/** The full U-Net config a run uses (preset + data shape + overrides). */
export function unetConfigFor(config: ModelConfig, shape: number[]): unet.UnetConfig {
  if (shape.length !== 3) throw TrainerInputError.field('model', `unet-edm2 needs image data (H, W, C); this dataset has shape (${shape.join(', ')})`);
  const [h, w, c] = shape;
  if (h !== w) throw TrainerInputError.field('model', `unet-edm2 needs square images, got ${h}x${w}`);
  let preset: unet.UnetPreset;
  try {
    preset = unet.getUnetPreset(config.preset ?? TRAIN_DEFAULTS['unet-edm2'].preset);
  } catch (error) {
    throw TrainerInputError.field('preset', (error as Error).message);
  }
  return { ...preset.config, resolution: h, channels: c, ...((config.options ?? {}) as Partial<unet.UnetConfig>), ...(config.labelDim ? { labelDim: config.labelDim } : {}) };
}

/** Stream numbers of a run's seeded generators (forks of Rng(seed)). */
export const RUN_STREAM = { init: 1, data: 2, coupling: 3, time: 4, couplingInit: 5, labels: 6 } as const;

/**
 * The network of a run exactly as its trainer builds it. The fixed buffers (the U-Net's Fourier frequencies
 * and phases) are never trained and come from the run's seed; checkpoints store them, but weights files
 * without them (EMA exports, older checkpoints) rely on this stream to get the trainer's time embedding.
 */
export function createRunNet(config: { model: ModelConfig; seed: number }, dataset: Pick<Dataset, 'shape' | 'dim'>): TrainableNet {
  return createVelocityNet(config.model, dataset, new Rng(config.seed).fork(RUN_STREAM.init));
}

/** Builds the velocity network of a run from its config, with weights initialised from `rng`. */
export function createVelocityNet(config: ModelConfig, dataset: Pick<Dataset, 'shape' | 'dim'>, rng: Rng): TrainableNet {
  if (config.type === 'unet-edm2') return unetNet(config, dataset.shape, rng);
  if (config.type === 'mlp') return mlpNet(config, dataset, rng);
  throw TrainerInputError.field('model', `must be unet-edm2 or mlp, got '${String(config.type)}'`);
}

function unetNet(config: ModelConfig, shape: number[], rng: Rng): TrainableNet {
  const cfg = unetConfigFor(config, shape);
  const net = unet.createEdm2Unet(cfg, { seed: rng.nextUint32() });
  let dropoutRng = rng.fork(1);
  return {
    variables: net.variables,
    buffers: net.buffers,
    forward: (x, t, training, labels) => net.forward(x, t, labels, training ? { training: true, dropoutRng } : {}),
    labelDim: cfg.labelDim,
    logVariance: (t) => net.logVariance(t),
    features: (x, t) => net.encoderFeatures(x, t),
    lossWeight: (t) => unet.flowLossWeight(t, cfg.sigmaData),
    afterStep: () => net.forceWeightNorm(),
    parameterCount: net.parameterCount,
    getRngState: () => dropoutRng.getState(),
    setRngState: (s) => {
      dropoutRng = Rng.fromState(s);
    },
    dispose: () => net.dispose(),
  };
}

function mlpNet(config: ModelConfig, dataset: Pick<Dataset, 'shape' | 'dim'>, rng: Rng): TrainableNet {
  if (dataset.shape.length !== 1) throw TrainerInputError.field('model', `mlp needs vector data; this dataset has shape (${dataset.shape.join(', ')}) (use unet-edm2 for images)`);
  const net = unet.createMlpVelocityNet(
    {
      dim: dataset.dim,
      hidden: config.hidden ?? TRAIN_DEFAULTS.mlp.hidden,
      depth: config.layers ?? TRAIN_DEFAULTS.mlp.layers,
      ...((config.options ?? {}) as Partial<unet.MlpConfig>),
      ...(config.labelDim ? { labelDim: config.labelDim } : {}),
    },
    { seed: rng.nextUint32() },
  );
  return {
    variables: net.variables,
    forward: (x, t, _training, labels) => net.forward(x, t, labels),
    labelDim: config.labelDim ?? 0,
    parameterCount: net.parameterCount,
    dispose: () => net.dispose(),
  };
}
