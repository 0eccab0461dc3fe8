/** What one dataset of the demo trains and measures. */
export interface DatasetPlan {
  /** Built-in dataset name; `mnist` is trained as flattened 784-d vectors (see prepare-data). */
  name: 'two-mode-2d' | 'mnist';
  /** MLP velocity net (a U-Net needs ~20 min of one wasm core for recognisable digits: see mnist-pca.ts). */
  hidden: number;
  layers: number;
  batch: number;
  steps: number;
  lr: number;
  /** MNIST: whitened principal components the flow is trained on (samples are decoded to 28x28). */
  pcaComponents?: number;
  /** Use only the first `limit` samples of a finite dataset. */
  limit?: number;
  /** Match scope of dansm / ot and of the entropic couplings. */
  ms: number;
  /** Encoder KL weight (the paper's `weight_prior`). */
  beta: number;
  checkpointEvery: number;
  /** Samples solved per solver and NFE (the same noises for every coupling and solver). */
  samples: number;
  /** Samples whose dopri5 trajectories give the curvature. */
  curvatureSamples: number;
  /** Tolerance of the dopri5 reference solve (the "exact" endpoint each solver is compared with). */
  rtol: number;
  /** Bespoke training: iterations and fresh-noise batch per iteration, ground truth at `bespokeRtol`. */
  bespokeIterations: number;
  bespokeBatch: number;
  bespokeRtol: number;
  bespokeLr: number;
  /**
   * Bespoke objective: the paper's RMSE bound, or the endpoint RMSE it stands in for (better on the 2-D flows,
   * less stable in higher dimensions; see packages/solvers/README.md).
   */
  bespokeLoss: 'bound' | 'rmse';
}

export interface DemoPlan {
  name: 'full' | 'quick';
  couplings: readonly Coupling[];
  /**
   * Entropic couplings trained on two-mode-2d only (cheap MLP runs; an MNIST model costs minutes): `sinkhorn`
   * always, `unbalanced` and `partial` with the demo's `entropic` option (partial's Dykstra iterations make it
   * the slowest coupling to train).
   */
  entropicCouplings: readonly EntropicCoupling[];
  /** reg, regM, mass, pairing and tolerance of the entropic plans. */
  entropic: EntropicDemoOptions;
  /** Velocity evaluations per sample at which Euler, Heun and Bespoke (RK2-BES) are compared. */
  nfes: readonly number[];
  datasets: readonly DatasetPlan[];
  /** `flow viz pairs`: pairs shown and t-SNE iterations. */
  pairsCount: number;
  tsneIterations: number;
  /** Trajectory picture: paths drawn, states saved per path. */
  trajectoryPaths: number;
  trajectoryPoints: number;
}

export type EntropicCoupling = 'sinkhorn' | 'unbalanced' | 'partial';
export type Coupling = 'independent' | 'dansm' | 'ot' | 'encoder' | EntropicCoupling;
/** The couplings trained on every dataset. */
export const COUPLINGS: readonly Coupling[] = ['independent', 'dansm', 'ot', 'encoder'];
export const ENTROPIC_COUPLINGS: readonly EntropicCoupling[] = ['sinkhorn', 'unbalanced', 'partial'];
export function isEntropicCoupling(c: string): c is EntropicCoupling {
  return (ENTROPIC_COUPLINGS as readonly string[]).includes(c);
}
/** The dataset the entropic couplings are trained on. */
export const ENTROPIC_DATASET = 'two-mode-2d';
export const SOLVERS = ['euler', 'heun', 'bespoke'] as const;
export type DemoSolver = (typeof SOLVERS)[number];

/** The entropic plans' parameters (`@flow/matching`'s `entropic` coupling options). */
export interface EntropicDemoOptions {
  /** Entropic regularisation, relative to the mean pair cost of a scope (costs are divided by it). */
  reg: number;
  /** `unbalanced`: weight of the KL terms on the marginals. */
  regM: number;
  /** `partial`: the share of mass the plan moves. */
  mass: number;
  /** How a plan becomes one noise per data row: a permutation drawn from the plan (no duplicates, none dropped). */
  pairing: 'sample';
  /** Stopping tolerance of the plan iterations. */
  tol: number;
}

/**
 * `@flow/matching`'s defaults (reg 0.05 of the mean cost: close to exact OT but visibly smoothed; regM 1; mass
 * 0.9), except `tol`: 1e-6 instead of 1e-9, since the pairing is a random draw from the plan; it saves about 40%
 * of partial's time (measured: 17.5 s instead of 29 s for 40 batches of 128 at ms 256 on two-mode-2d).
 */
export const ENTROPIC_DEMO_OPTIONS: EntropicDemoOptions = { reg: 0.05, regM: 1, mass: 0.9, pairing: 'sample', tol: 1e-6 };

/**
 * The full plan is sized for a 2-core CPU on the wasm backend: about 6 minutes with two trainings at once
 * (measured figures in docs/demo/README.md). The quick plan is a smoke test of every stage.
 */
export function demoPlan(quick: boolean, entropic = false): DemoPlan {
  const entropicCouplings: readonly EntropicCoupling[] = entropic ? ENTROPIC_COUPLINGS : ['sinkhorn'];
  if (quick) {
    return {
      name: 'quick',
      couplings: COUPLINGS,
      entropicCouplings,
      entropic: ENTROPIC_DEMO_OPTIONS,
      nfes: [2, 4],
      pairsCount: 24,
      tsneIterations: 30,
      trajectoryPaths: 16,
      trajectoryPoints: 5,
      datasets: [
        { name: 'two-mode-2d', hidden: 32, layers: 2, batch: 64, steps: 30, lr: 3e-3, ms: 128, beta: 10, checkpointEvery: 20, samples: 128, curvatureSamples: 64, rtol: 1e-3, bespokeIterations: 3, bespokeBatch: 16, bespokeRtol: 1e-3, bespokeLr: 5e-2, bespokeLoss: 'rmse' },
        { name: 'mnist', pcaComponents: 16, hidden: 32, layers: 2, batch: 16, steps: 6, lr: 1e-3, limit: 200, ms: 64, beta: 20, checkpointEvery: 4, samples: 24, curvatureSamples: 8, rtol: 1e-2, bespokeIterations: 1, bespokeBatch: 4, bespokeRtol: 1e-2, bespokeLr: 5e-3, bespokeLoss: 'bound' },
      ],
    };
  }
  return {
    name: 'full',
    couplings: COUPLINGS,
    entropicCouplings,
    entropic: ENTROPIC_DEMO_OPTIONS,
    nfes: [2, 4, 8],
    pairsCount: 128,
    tsneIterations: 300,
    trajectoryPaths: 48,
    trajectoryPoints: 21,
    datasets: [
      { name: 'two-mode-2d', hidden: 128, layers: 3, batch: 128, steps: 800, lr: 3e-3, ms: 256, beta: 10, checkpointEvery: 200, samples: 2000, curvatureSamples: 1000, rtol: 1e-5, bespokeIterations: 60, bespokeBatch: 64, bespokeRtol: 1e-4, bespokeLr: 5e-2, bespokeLoss: 'rmse' },
      { name: 'mnist', pcaComponents: 32, hidden: 256, layers: 3, batch: 128, steps: 1000, lr: 2e-3, ms: 1000, beta: 20, checkpointEvery: 200, samples: 600, curvatureSamples: 200, rtol: 1e-4, bespokeIterations: 100, bespokeBatch: 32, bespokeRtol: 1e-3, bespokeLr: 1e-2, bespokeLoss: 'rmse' },
    ],
  };
}
