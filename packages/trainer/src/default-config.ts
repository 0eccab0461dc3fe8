import { loadDataset, type Dataset } from '@flow/data';
import { TrainerInputError } from './errors';
import type { ModelConfig } from './model-config';
import { CONFIG_FORMAT, type ConditionalConfig, type TrainConfig } from './train-config';
import { TRAIN_DEFAULTS } from './train-defaults';
import type { TrainOptions } from './train-options';
import { isTrainingCoupling, TRAINING_COUPLINGS } from './training-coupling';

/** The config of a fresh run: the options given, `TRAIN_DEFAULTS` for the rest, the dataset's shape. */
export function defaultConfig(options: TrainOptions, dataset: Dataset, backend: string): TrainConfig {
  const isUnet = options.model === 'unet-edm2';
  const d = isUnet ? TRAIN_DEFAULTS['unet-edm2'] : TRAIN_DEFAULTS.mlp;
  const conditional = conditionalConfig(options, dataset);
  const extra = { ...(options.modelOptions ? { options: options.modelOptions } : {}), ...(conditional ? { labelDim: conditional.classes } : {}) };
  const model: ModelConfig = isUnet
    ? { type: 'unet-edm2', preset: options.preset ?? TRAIN_DEFAULTS['unet-edm2'].preset, ...extra }
    : { type: 'mlp', hidden: options.hidden ?? TRAIN_DEFAULTS.mlp.hidden, layers: options.layers ?? TRAIN_DEFAULTS.mlp.layers, ...extra };
  const coupling = options.coupling ?? TRAIN_DEFAULTS.coupling;
  if (!isTrainingCoupling(coupling)) throw TrainerInputError.field('coupling', `${coupling}: expected one of ${TRAINING_COUPLINGS.join(', ')}`);
  const matches = coupling !== 'independent' && coupling !== 'encoder';
  return {
    format: CONFIG_FORMAT,
    dataset: {
      spec: options.dataset,
      shape: dataset.shape,
      dim: dataset.dim,
      kind: dataset.kind,
      size: dataset.size,
      normalization: dataset.normalization,
      ...(options.imageSize !== undefined ? { imageSize: options.imageSize } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.labels !== undefined ? { labels: options.labels } : {}),
    },
    ...(conditional ? { conditional } : {}),
    model,
    coupling: {
      name: coupling,
      ...(options.ms !== undefined ? { ms: options.ms } : matches ? { ms: TRAIN_DEFAULTS.ms } : {}),
      ...(options.costBackend !== undefined ? { costBackend: options.costBackend } : {}),
      options: options.couplingOptions ?? {},
    },
    optimizer: {
      refLr: options.lr ?? d.lr,
      refSteps: options.lrRefSteps ?? d.lrRefSteps,
      rampupSteps: options.warmup ?? d.warmup,
      ...TRAIN_DEFAULTS.adam,
      clip: options.clip ?? TRAIN_DEFAULTS.clip,
    },
    batch: options.batch ?? d.batch,
    seed: options.seed ?? TRAIN_DEFAULTS.seed,
    uncertainty: options.uncertainty ?? d.uncertainty,
    checkpointEvery: options.checkpointEvery ?? TRAIN_DEFAULTS.checkpointEvery,
    keepCheckpoints: options.keepCheckpoints ?? TRAIN_DEFAULTS.keepCheckpoints,
    logEvery: options.logEvery ?? TRAIN_DEFAULTS.logEvery,
    ema: options.emaEvery !== undefined && options.emaEvery > 0 ? { every: options.emaEvery, sigmaRels: options.emaSigmaRels ?? [...TRAIN_DEFAULTS.emaSigmaRels] } : null,
    backend,
  };
}

/** The conditional part of a fresh run's config, or undefined for an unconditional run. */
function conditionalConfig(options: TrainOptions, dataset: Dataset): ConditionalConfig | undefined {
  if (!options.conditional) {
    if (options.labels !== undefined) throw TrainerInputError.field('labels', `${options.labels}: labels are for a conditional run (set conditional)`);
    if (options.labelDropout !== undefined) throw TrainerInputError.field('labelDropout', 'is for a conditional run (set conditional)');
    return undefined;
  }
  if (!dataset.classes) throw TrainerInputError.field('conditional', `dataset ${dataset.name} has no class labels (MNIST, a PNG folder with one sub-folder per class, or a .npy/.npz with a labels file)`);
  const labelDropout = options.labelDropout ?? TRAIN_DEFAULTS.labelDropout;
  return { classes: dataset.classes, labelDropout, ...(dataset.classNames ? { classNames: dataset.classNames } : {}) };
}

/** Checks a config (fresh or read back from a run) before anything is built or written. */
export function validateConfig(config: TrainConfig): void {
  if (!isTrainingCoupling(config.coupling.name)) throw TrainerInputError.field('coupling', `${String(config.coupling.name)}: expected one of ${TRAINING_COUPLINGS.join(', ')}`);
  if (!(config.batch >= 1) || !Number.isInteger(config.batch)) throw TrainerInputError.field('batch', `must be a positive integer, got ${config.batch}`);
  const rank = config.dataset.shape.length;
  const shape = config.dataset.shape.join(', ');
  if (config.model.type === 'mlp' && rank !== 1) {
    throw TrainerInputError.field('model', `mlp needs vector data; dataset ${config.dataset.spec} has shape (${shape}) (use unet-edm2 for images)`);
  }
  if (config.model.type === 'unet-edm2' && rank !== 3) {
    throw TrainerInputError.field('model', `unet-edm2 needs images; dataset ${config.dataset.spec} has shape (${shape}) (use mlp for vectors)`);
  }
  if (!(config.optimizer.refLr > 0)) throw TrainerInputError.field('lr', `must be > 0, got ${config.optimizer.refLr}`);
  const c = config.conditional;
  if (c) {
    if (!Number.isInteger(c.classes) || c.classes < 1) throw TrainerInputError.field('conditional', `classes must be a positive integer, got ${String(c.classes)}`);
    if (!(c.labelDropout >= 0 && c.labelDropout <= 1)) throw TrainerInputError.field('labelDropout', `must be a probability in [0, 1], got ${String(c.labelDropout)}`);
    if (config.model.labelDim !== c.classes) throw TrainerInputError.field('conditional', `the model's labelDim (${String(config.model.labelDim)}) differs from the ${c.classes} classes`);
  }
}

/** The dataset a config names (loaded the same way as when the run started). */
export function datasetFromConfig(config: TrainConfig): Dataset {
  return loadDataset(config.dataset.spec, {
    imageSize: config.dataset.imageSize,
    limit: config.dataset.limit,
    ...(config.conditional ? { labels: config.dataset.labels ?? true } : {}),
  });
}
