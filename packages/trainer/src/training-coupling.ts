import { createEncoderCoupling, createEncoderForShape, createEncoderTerm, defaultEncoderBeta, type EncoderCoupling } from '@flow/encoder';
import { createCoupling, ENTROPIC_SOLVERS, type Coupling, type CouplingKind, type EntropicCouplingOptions } from '@flow/matching';
import type { Dataset, ResumableSampler } from '@flow/data';
import type { Rng } from '@flow/random';
import { TrainerInputError } from './errors';

/** The couplings a run can train with: `@flow/matching`'s built-ins and `@flow/encoder`'s learned one. */
export const TRAINING_COUPLINGS = ['independent', 'dansm', 'ot', 'sinkhorn', 'unbalanced', 'partial', 'encoder'] as const;
export type TrainingCouplingName = (typeof TRAINING_COUPLINGS)[number];

/** What the trainer draws its pairs from: one of matching's couplings, or the encoder's (with a learned term). */
export type TrainingCoupling = Coupling<CouplingKind> | EncoderCoupling;

export function isTrainingCoupling(name: string): name is TrainingCouplingName {
  return (TRAINING_COUPLINGS as readonly string[]).includes(name);
}

export interface TrainingCouplingContext {
  sampler: ResumableSampler;
  dataset: Pick<Dataset, 'shape'>;
  /** The coupling's noise stream. */
  rng: Rng;
  /** Seeded stream for a learned coupling's parameter initialisation. */
  initRng: Rng;
  /** Match scope (dansm, ot). */
  ms?: number;
  costBackend?: string;
  /**
   * Coupling-specific options from the config (the encoder's `beta`, `encoderHidden`, `encoderDepth`,
   * `encoderFeatures`; the entropic couplings' `reg`, `regM`, `mass`, `pairing`).
   */
  options: Record<string, unknown>;
  /** Rows per step, for the coupling's memory check. */
  batch?: number;
  /** Memory budget in bytes for the coupling's large arrays (default: what the machine has available). */
  memoryLimitBytes?: number;
}

/** Builds the named coupling of a run (independent, DANSM, exact OT per scope, or the encoder coupling). */
export function createTrainingCoupling(name: TrainingCouplingName, ctx: TrainingCouplingContext): TrainingCoupling {
  const entropic = (ENTROPIC_SOLVERS as readonly string[]).includes(name) ? { entropic: ctx.options as EntropicCouplingOptions } : {};
  const matching = { sampler: ctx.sampler, rng: ctx.rng, ms: ctx.ms, costBackend: ctx.costBackend, batch: ctx.batch, memoryLimitBytes: ctx.memoryLimitBytes, ...entropic };
  if (name !== 'encoder') return createCoupling(name, matching);
  const beta = ctx.options.beta === undefined ? defaultEncoderBeta(ctx.dataset.shape) : Number(ctx.options.beta);
  if (!Number.isFinite(beta) || beta < 0) throw TrainerInputError.field('couplingOptions.beta', `must be a number >= 0, got ${String(ctx.options.beta)}`);
  const positive = (key: string): number | undefined => {
    const v = ctx.options[key];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw TrainerInputError.field(`couplingOptions.${key}`, `must be a positive integer, got ${String(v)}`);
    return n;
  };
  const hidden = positive('encoderHidden');
  const depth = positive('encoderDepth');
  const features = positive('encoderFeatures');
  const base = createCoupling('independent', matching);
  const encoder = createEncoderForShape(ctx.dataset.shape, ctx.initRng, {
    mlp: { ...(hidden ? { hidden } : {}), ...(depth ? { depth } : {}) },
    conv: { ...(features ? { features } : {}), ...(depth ? { depth } : {}) },
  });
  return createEncoderCoupling(base, createEncoderTerm(encoder, { beta }));
}
