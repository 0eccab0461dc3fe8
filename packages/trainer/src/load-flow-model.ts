import { GaussianMixtureFlow, type VelocityField } from '@flow/solvers';
import { TrainerInputError } from './errors';
import { loadVelocityModel } from './load-velocity-model';

/** A velocity field with what solving it needs: an exact Gaussian-mixture flow or a trained model. */
export interface FlowModel {
  velocity: VelocityField;
  identity: string;
  /** Shape of one sample. */
  shape: number[];
  dim: number;
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
  return { velocity: m.velocity, identity: m.identity, shape: m.shape, dim: m.dim, dispose: () => m.dispose() };
}
