import { createEncoderForShape, createEncoderTerm } from '@flow/encoder';
import { TrainerInputError } from './errors';
import type { CouplingContext, TrainerCoupling } from './coupling';
import { getCouplingFactory } from './coupling';

/** The paper's prior weights: 10 for its 2-D two-mode toy, 20 for image data (CIFAR-10, MNIST, FFHQ). */
export function defaultEncoderBeta(shape: readonly number[]): number {
  return shape.length === 1 ? 10 : 20;
}

/**
 * `--coupling encoder` (Lee et al., ICML 2023): the independent coupling's data and standard-normal noise,
 * turned into (z, x1) pairs by a Gaussian encoder trained jointly with the velocity model, plus
 * beta * KL(q(z | x1) || N(0, I)). Options: `beta`, `encoderHidden`, `encoderDepth`, `encoderFeatures`.
 */
export async function createEncoderCoupling(ctx: CouplingContext): Promise<TrainerCoupling> {
  const independent = getCouplingFactory('independent');
  if (!independent) throw new Error('encoder coupling: the independent coupling is not registered');
  const base = await independent(ctx);
  const beta = ctx.options.beta === undefined ? defaultEncoderBeta(ctx.dataset.shape) : Number(ctx.options.beta);
  if (!Number.isFinite(beta) || beta < 0) throw new TrainerInputError(`--beta must be a number >= 0, got ${String(ctx.options.beta)}`);
  const positive = (key: string): number | undefined => {
    const v = ctx.options[key];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new TrainerInputError(`encoder option ${key} must be a positive integer, got ${String(v)}`);
    return n;
  };
  const hidden = positive('encoderHidden');
  const depth = positive('encoderDepth');
  const features = positive('encoderFeatures');
  const encoder = createEncoderForShape(ctx.dataset.shape, ctx.initRng, {
    mlp: { ...(hidden ? { hidden } : {}), ...(depth ? { depth } : {}) },
    conv: { ...(features ? { features } : {}), ...(depth ? { depth } : {}) },
  });
  const term = createEncoderTerm(encoder, { beta });
  return {
    name: 'encoder',
    next: (batch) => base.next(batch),
    stats: () => ({ ...(base.stats?.() ?? {}), beta }),
    snapshot: () => base.snapshot(),
    restore: (s) => base.restore(s),
    term,
  };
}
