/**
 * EDM2's learning-rate schedule (training_loop.learning_rate_schedule), counted in optimiser steps rather
 * than images: inverse-square-root decay after `refSteps`, linear warm-up over `rampupSteps`.
 */
export interface LrSchedule {
  /** Reference learning rate (alpha_ref; EDM2's presets use 0.0065-0.017 with Adam on the MP network). */
  refLr: number;
  /** Decay starts here: lr = refLr / sqrt(max(step / refSteps, 1)). 0 disables the decay. */
  refSteps: number;
  /** Linear warm-up: lr *= min(step / rampupSteps, 1). 0 or absent disables it. */
  rampupSteps?: number;
  /** 'inverse-sqrt' (EDM2 configs E, G; the default) or 'constant' (config C). */
  decay?: 'inverse-sqrt' | 'constant';
}

/**
 * Learning rate of step `step`, counted from 1 (the first update uses step 1, so warm-up never gives 0):
 * lr = refLr / sqrt(max(step / refSteps, 1)) * min(step / rampupSteps, 1).
 */
export function learningRate(schedule: LrSchedule, step: number): number {
  let lr = schedule.refLr;
  if ((schedule.decay ?? 'inverse-sqrt') === 'inverse-sqrt' && schedule.refSteps > 0) lr /= Math.sqrt(Math.max(step / schedule.refSteps, 1));
  const ramp = schedule.rampupSteps ?? 0;
  if (ramp > 0) lr *= Math.min(step / ramp, 1);
  return lr;
}
