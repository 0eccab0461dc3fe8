import { edm2LearningRate } from '@flow/unet-edm2';

/** EDM2's learning-rate schedule: inverse square-root decay after `refSteps`, linear warm-up over `rampupSteps`. */
export interface LrSchedule {
  /** Reference learning rate (alpha_ref). */
  refLr: number;
  /** Decay starts here: lr = refLr / sqrt(max(step / refSteps, 1)). 0 disables the decay. */
  refSteps: number;
  /** Linear warm-up: lr *= min(step / rampupSteps, 1). 0 disables it. */
  rampupSteps: number;
}

/**
 * Learning rate of step `step`, counted from 1 (the first update uses step 1, so it is never 0).
 * EDM2 counts in images (ref_batches, rampup_Mimg); here everything is in optimiser steps.
 */
export function learningRate(schedule: LrSchedule, step: number): number {
  return edm2LearningRate(step, { refLr: schedule.refLr, refSteps: schedule.refSteps, rampupSteps: schedule.rampupSteps });
}
