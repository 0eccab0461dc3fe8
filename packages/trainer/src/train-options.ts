import type { TrainConfig } from './train-config';
import type { EmaHook } from './ema-hook';

/** Options of a fresh run (what `flow train` passes). Unset fields take `TRAIN_DEFAULTS`. */
export interface TrainOptions {
  /** Built-in dataset name or path (see `@flow/data`'s `loadDataset`). */
  dataset: string;
  model: 'mlp' | 'unet-edm2';
  preset?: string;
  /** Overrides of the network config (U-Net config fields, or MLP config fields). */
  modelOptions?: Record<string, unknown>;
  hidden?: number;
  layers?: number;
  coupling?: string;
  ms?: number;
  costBackend?: string;
  couplingOptions?: Record<string, unknown>;
  batch?: number;
  steps: number;
  seed?: number;
  lr?: number;
  lrRefSteps?: number;
  warmup?: number;
  clip?: number;
  uncertainty?: boolean;
  checkpointEvery?: number;
  keepCheckpoints?: number;
  logEvery?: number;
  emaEvery?: number;
  emaSigmaRels?: number[];
  imageSize?: 28 | 32;
  limit?: number;
  /** Class-conditional training on the dataset's labels (MNIST digits, PNG sub-folders, or `labels`). */
  conditional?: boolean;
  /** `.npy`/`.npz` of one class index per row of a `.npy`/`.npz` dataset (conditional runs). */
  labels?: string;
  /** Probability of dropping a row's label to the unconditional (all-zero) one (default `TRAIN_DEFAULTS.labelDropout`). */
  labelDropout?: number;
  /** The new run directory. */
  out: string;
  /** Backend name recorded in the run's config (default: tf.getBackend()); a resume reuses it. */
  backendName?: string;
}

export interface TrainHooks {
  /** Show the progress bar on stderr (default true). */
  progress?: boolean;
  /** Informational messages (default: stderr). */
  log?: (message: string) => void;
  /** Builds the EMA tracker for a run (given its EMA snapshot folder, its config and the trainable weights' shapes). */
  ema?: (emaDir: string, config: TrainConfig, shapes: Record<string, number[]>) => EmaHook | null;
  onStep?: (info: StepInfo) => void;
  /** Memory budget in bytes for the coupling's pools and distance matrices (default: what the machine has available). */
  memoryLimitBytes?: number;
}

export interface StepInfo {
  step: number;
  loss: number;
  objective: number;
  lr: number;
  gradNorm: number;
}

export interface TrainSummary {
  runDir: string;
  /** The run's step count when this call ended. */
  steps: number;
  /** Steps made by this call (steps minus the resumed step). */
  stepsThisRun: number;
  startStep: number;
  /** Mean flow-matching MSE over the first / last `window` steps of this call. */
  initial_loss: number;
  final_loss: number;
  window: number;
  backend: string;
  seconds: number;
  images_per_second: number;
  parameters: number;
  checkpoint: string;
  coupling: Record<string, unknown>;
}
