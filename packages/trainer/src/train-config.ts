import type { Normalization } from '@flow/data';
import type { LrSchedule } from '@flow/optim';
import type { ModelConfig } from './model-config';
import type { TrainingCouplingName } from './training-coupling';

export const CONFIG_FORMAT = 'flow-train-config/1';

/** The class-conditional part of a run's config. */
export interface ConditionalConfig {
  /** Number of classes (the one-hot width). */
  classes: number;
  /** Probability that a training row's label is dropped to the all-zero one-hot (EDM2 / flow_matching style). */
  labelDropout: number;
  /** Class names in label order, when the dataset has them (MNIST digits, PNG sub-folders). */
  classNames?: string[];
}

/** Everything that defines a run; stored in the run directory and reused on resume. */
export interface TrainConfig {
  format: typeof CONFIG_FORMAT;
  dataset: {
    /** The dataset spec given (built-in name or path). */
    spec: string;
    shape: number[];
    dim: number;
    kind: 'points' | 'image';
    size: number | null;
    normalization: Normalization;
    imageSize?: 28 | 32;
    limit?: number;
    /** Class labels per row of a `.npy`/`.npz` dataset (conditional runs on array files). */
    labels?: string;
  };
  /**
   * Class-conditional training (absent: unconditional). Each step draws the rows' labels with the rows; a row's
   * label is replaced by the all-zero one-hot (the unconditional branch) with probability `labelDropout`.
   */
  conditional?: ConditionalConfig;
  model: ModelConfig;
  coupling: { name: TrainingCouplingName; ms?: number; costBackend?: string; options: Record<string, unknown> };
  optimizer: Required<Pick<LrSchedule, 'refLr' | 'refSteps' | 'rampupSteps'>> & { beta1: number; beta2: number; epsilon: number; clip: number };
  batch: number;
  seed: number;
  /** EDM2's learned uncertainty weighting (when the network has u(t)). */
  uncertainty: boolean;
  checkpointEvery: number;
  keepCheckpoints: number;
  logEvery: number;
  ema: { every: number; sigmaRels: number[] } | null;
  /** The backend the run started on (a resume on another backend is not bit-identical). */
  backend: string;
}
