import type { Coupling, CouplingStats } from '@flow/matching';
import type { EncoderTerm } from './encoder-term';

/**
 * `@flow/matching`'s coupling protocol for the learned forward process (Lee et al., ICML 2023): the pairs of an
 * independent coupling (data, standard-normal noise), which `term.apply` turns into (z, x1) inside the
 * training step, z = mu(x1) + sigma(x1) * noise, adding beta * KL(q(z | x1) || N(0, I)) to the loss. The
 * trainer trains `term.variables` with the velocity model's optimiser.
 */
export interface EncoderCoupling extends Coupling<'encoder'> {
  readonly term: EncoderTerm;
  stats(): CouplingStats & { beta: number };
}

/** Wraps an independent coupling (its draws and its snapshot) with an encoder term. */
export function createEncoderCoupling(base: Coupling<'independent'>, term: EncoderTerm): EncoderCoupling {
  return {
    name: 'encoder',
    term,
    next: (batch) => base.next(batch),
    stats: () => ({ ...base.stats(), beta: term.beta }),
    snapshot: () => base.snapshot(),
    restore: (s) => base.restore(s),
  };
}

/** The paper's prior weights: 10 for its 2-D two-mode toy, 20 for image data (CIFAR-10, MNIST, FFHQ). */
export function defaultEncoderBeta(shape: readonly number[]): number {
  return shape.length === 1 ? 10 : 20;
}
