/** EDM2's learning-rate schedule (training_loop.learning_rate_schedule), counted in steps rather than images. */
export interface LearningRateOptions {
  /** Reference learning rate (the official presets use 0.0065-0.017 with Adam on the MP network). */
  refLr: number;
  /** Steps after which the inverse-square-root decay starts (official: 70k batches at 512px). 0 = no decay. */
  refSteps: number;
  /** Linear warm-up length in steps. 0 = none. */
  rampupSteps?: number;
  /** 'inverse-sqrt' (configs E, G) or 'constant' (config C). Default 'inverse-sqrt'. */
  schedule?: 'constant' | 'inverse-sqrt';
}

/** lr(step) = refLr / sqrt(max(step / refSteps, 1)) * min(step / rampupSteps, 1). */
export function edm2LearningRate(step: number, opts: LearningRateOptions): number {
  let lr = opts.refLr;
  if ((opts.schedule ?? 'inverse-sqrt') === 'inverse-sqrt' && opts.refSteps > 0) lr /= Math.sqrt(Math.max(step / opts.refSteps, 1));
  const ramp = opts.rampupSteps ?? 0;
  if (ramp > 0) lr *= Math.min(step / ramp, 1);
  return lr;
}
