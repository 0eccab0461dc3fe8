import type { Normalization } from '@flow/data';
import type { LrSchedule } from '@flow/optim';
import type { ModelConfig } from './model-config';
import type { TrainingCouplingName } from './training-coupling';

export const CONFIG_FORMAT = 'flow-train-config/1';

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
  };
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
