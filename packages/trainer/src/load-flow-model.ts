import { GaussianMixtureFlow, type VelocityField } from '@flow/solvers';
import type { ConditionalVelocity } from './conditional-velocity';
import { TrainerInputError } from './errors';
import { loadVelocityModel } from './load-velocity-model';

/** A velocity field with what solving it needs: an exact Gaussian-mixture flow or a trained model. */
export interface FlowModel {
  velocity: VelocityField;
  identity: string;
  /** Shape of one sample. */
  shape: number[];
  dim: number;
  /** A class-conditional model's v(x, t | y) (see `guidedVelocity`); `velocity` is then its unconditional branch. */
  conditional?: ConditionalVelocity;
  dispose(): void;
}

/** `gmm:SPEC.json` (an exact Gaussian-mixture flow) or a model directory written by the trainer. */
export async function loadFlowModel(spec: string): Promise<FlowModel> {
  if (spec.startsWith('gmm:')) {
    const flow = GaussianMixtureFlow.fromFile(spec.slice(4));
    return { velocity: flow.velocity, identity: flow.identity, shape: [flow.dim], dim: flow.dim, dispose: () => flow.dispose() };
  }
  if (spec === '') throw new TrainerInputError('model: expected gmm:SPEC.json or a model directory, got an empty string');
  const m = await loadVelocityModel(spec);
  return { velocity: m.velocity, identity: m.identity, shape: m.shape, dim: m.dim, ...(m.conditional ? { conditional: m.conditional } : {}), dispose: () => m.dispose() };
}
