import { GaussianMixtureFlow, loadBespoke, type SolverName } from '@flow/solvers';
import { loadVelocityModel, type CustomSolver, type SamplableModel } from '@flow/trainer';

/** A model ready to sample, with the identity that keys its shard files. */
export interface SamplingModel {
  model: SamplableModel;
  identity: string;
  solver: SolverName | CustomSolver;
  dispose(): void;
}

/** `gmm:SPEC.json` (an exact Gaussian-mixture flow, points) or a run directory of flow train, with its solver. */
export async function loadSamplingModel(spec: { model: string; solver: string }): Promise<SamplingModel> {
  let model: SamplableModel;
  let identity: string;
  let dispose: () => void;
  if (spec.model.startsWith('gmm:')) {
    const flow = GaussianMixtureFlow.fromFile(spec.model.slice(4));
    model = { velocity: flow.velocity, dim: flow.dim, shape: [flow.dim], kind: 'points', normalization: { scale: 1, shift: 0 } };
    identity = flow.identity;
    dispose = () => flow.dispose();
  } else {
    const loaded = await loadVelocityModel(spec.model);
    model = loaded;
    identity = loaded.identity;
    dispose = () => loaded.dispose();
  }
  let solver: SolverName | CustomSolver = spec.solver as SolverName;
  if (spec.solver.startsWith('bespoke:')) {
    const bespoke = loadBespoke(spec.solver.slice(8), { identity }).solver;
    solver = (v, x0) => {
      const r = bespoke.solve(v, x0);
      return { x: r.x, nfe: r.nfe };
    };
  }
  return { model, identity, solver, dispose };
}
