import type * as tf from '@tensorflow/tfjs-core';
import type { NdArray } from '@flow/io';
import type { Rng } from '@flow/random';
import type { DataSampler, Dataset } from './datasets/dataset';

/** One training batch of paired rows (model space, C order, `batch` x `dim`). */
export interface CoupledBatch {
  data: Float32Array;
  noise: Float32Array;
  batch: number;
  dim: number;
}

export interface CouplingSnapshot {
  meta: Record<string, unknown>;
  arrays: Record<string, NdArray>;
}

/**
 * A learned coupling's part of the training step (the extension point for `@flow/encoder`): its variables
 * are trained by the same Adam as the velocity net, and `apply` runs inside the gradient tape.
 */
export interface CouplingTerm {
  readonly variables: Record<string, tf.Variable>;
  /**
   * Given the data batch x1 and the coupling's noise (both [batch, ...shape]), returns the x0 to pair with
   * x1 (e.g. z = mu(x1) + sigma(x1) * noise), optionally a replacement x1, an extra loss term
   * (e.g. beta * KL) and scalar metrics to log.
   */
  apply(x1: tf.Tensor, noise: tf.Tensor): { x0: tf.Tensor; x1?: tf.Tensor; loss?: tf.Scalar; metrics?: Record<string, tf.Scalar> };
  afterStep?(): void;
  dispose?(): void;
}

/** What the trainer calls: `@flow/matching`'s Coupling plus the optional learned term. */
export interface TrainerCoupling {
  readonly name: string;
  next(batchSize: number): Promise<CoupledBatch>;
  stats?(): Record<string, unknown>;
  snapshot(): CouplingSnapshot;
  restore(snapshot: CouplingSnapshot): void;
  term?: CouplingTerm;
}

export interface CouplingContext {
  sampler: DataSampler;
  dataset: Dataset;
  rng: Rng;
  /** Match scope (dansm, ot). */
  ms?: number;
  costBackend?: string;
  /** Coupling-specific options from the config (e.g. the encoder's beta), JSON-safe. */
  options: Record<string, unknown>;
  /** Seeded stream for the coupling's own parameter initialisation. */
  initRng: Rng;
  /** Rows per step, for the coupling's memory check. */
  batch?: number;
  /** Memory budget in bytes for the coupling's large arrays (default: what the machine has available). */
  memoryLimitBytes?: number;
}

export type CouplingFactory = (context: CouplingContext) => TrainerCoupling | Promise<TrainerCoupling>;

const registry = new Map<string, CouplingFactory>();

/** Adds (or replaces) a coupling by name; `@flow/encoder` registers `encoder` this way. */
export function registerCoupling(name: string, factory: CouplingFactory): void {
  registry.set(name, factory);
}

export function getCouplingFactory(name: string): CouplingFactory | undefined {
  return registry.get(name);
}

export function registeredCouplings(): string[] {
  return [...registry.keys()];
}
