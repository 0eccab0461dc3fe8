/**
 * The defaults of a fresh run, written once: `defaultConfig` applies them and `flow train --help` prints them.
 * Per model type where they differ (an MLP on 2-D points and an EDM2 U-Net on images train best apart).
 */
export const TRAIN_DEFAULTS = {
  mlp: { hidden: 128, layers: 3, batch: 256, lr: 1e-3, lrRefSteps: 5000, warmup: 50, uncertainty: false },
  'unet-edm2': { preset: 'mnist', batch: 32, lr: 1e-2, lrRefSteps: 2000, warmup: 100, uncertainty: true },
  coupling: 'independent',
  /** Match scope of the couplings that match (dansm, ot). */
  ms: 1000,
  clip: 1,
  seed: 0,
  /** Conditional runs: probability of training a row on the unconditional (all-zero) label. */
  labelDropout: 0.1,
  checkpointEvery: 500,
  keepCheckpoints: 3,
  logEvery: 10,
  emaSigmaRels: [0.05, 0.1],
  adam: { beta1: 0.9, beta2: 0.99, epsilon: 1e-8 },
} as const;
