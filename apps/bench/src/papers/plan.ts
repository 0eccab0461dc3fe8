import type { FixedStepMethod } from '@flow/solvers';

/** One coupling of the DANSM comparison (claim 1). */
export interface CouplingPlan {
  name: 'independent' | 'dansm' | 'ot';
  /** Match scope (dansm: noise pool size, ot: assignment size). */
  ms?: number;
}

/**
 * Everything that sizes the `flow-bench papers` grid. `full` is what docs/results.md is generated from; `quick`
 * runs the same code paths at CI size (its numbers mean nothing and the page says so).
 */
export interface PapersPlan {
  label: 'full' | 'quick';
  /** The U-Net: an `@flow/unet-edm2` preset plus overrides (a smaller network than any preset, for this CPU). */
  preset: string;
  modelOptions: Record<string, unknown>;
  batch: number;
  /** Training length of every MNIST run, and the steps where claim 1 measures FID (the last one = steps). */
  steps: number;
  evalSteps: number[];
  /** EMA snapshot interval (post-hoc EMA, classic EMA and raw weights are saved every this many steps). */
  emaEvery: number;
  /** Power-function EMA profiles tracked during training (EDM2: two, anything else is reconstructed). */
  trackedSigmaRels: number[];
  /** The tracked profile claims 1-3 sample from ("EMA as configured"). */
  evalSigmaRel: number;
  /** Classic EMA tracked beside it (decay per step, TensorFlow's num_updates warm-up). */
  classicDecay: number;
  seeds: number[];
  couplings: CouplingPlan[];
  /** The encoder's prior weight (claim 2). */
  encoderBeta: number;
  fid: {
    /** Generated samples per FID (the reference is all 10,000 digits). */
    count: number;
    /** Claim 1's sampler: DANSM measures FID at a few Euler steps. */
    solver: FixedStepMethod;
    nfe: number;
  };
  /** Claim 2: seeds of both models (independent runs are claim 1's), the FID grid, the curvature trajectories. */
  claim2: { seeds: number[]; nfes: number[]; solvers: FixedStepMethod[]; curvatureSamples: number; curvatureSteps: number };
  bespoke: {
    nfes: number[];
    iterations: number;
    batch: number;
    validationSamples: number;
    testSamples: number;
    patience: number;
    /** Ground truth of Bespoke training (dopri5 tolerances). */
    trainTolerance: number;
    /** The tight dopri5 endpoint the RMSE column compares against. */
    rmseSamples: number;
    rmseTolerance: number;
  };
  /** Post-hoc EMA: every sigma_rel at `steps` of seed `seeds[0]`'s run, and at the last step of the other seeds. */
  posthoc: { sigmaRels: number[]; steps: number[]; seeds: number[] };
  twoMode: { steps: number; paths: number; nfe: number; beta: number };
}

const PAPERS_NET = { modelChannels: 8, channelMult: [1, 2, 2], numBlocks: 1, attnResolutions: [], channelsPerHead: 8, logvarChannels: 8 };

export const FULL_PLAN: PapersPlan = {
  label: 'full',
  preset: 'mnist-fast',
  modelOptions: PAPERS_NET,
  batch: 16,
  steps: 320,
  evalSteps: [80, 160, 240, 320],
  emaEvery: 40,
  trackedSigmaRels: [0.05, 0.1],
  evalSigmaRel: 0.05,
  classicDecay: 0.999,
  seeds: [0, 1, 2],
  couplings: [{ name: 'independent' }, { name: 'dansm', ms: 1000 }, { name: 'ot', ms: 1000 }],
  encoderBeta: 20,
  fid: { count: 256, solver: 'euler', nfe: 8 },
  claim2: { seeds: [0, 1], nfes: [2, 4, 8, 16], solvers: ['euler', 'heun'], curvatureSamples: 64, curvatureSteps: 32 },
  bespoke: { nfes: [4, 6, 8, 10, 16], iterations: 5, batch: 8, validationSamples: 8, testSamples: 16, patience: 3, trainTolerance: 1e-4, rmseSamples: 64, rmseTolerance: 1e-5 },
  posthoc: { sigmaRels: [0.01, 0.02, 0.05, 0.1, 0.2, 0.3], steps: [160, 240, 320], seeds: [0, 1, 2] },
  twoMode: { steps: 800, paths: 48, nfe: 20, beta: 10 },
};

export const QUICK_PLAN: PapersPlan = {
  ...FULL_PLAN,
  label: 'quick',
  batch: 8,
  steps: 12,
  evalSteps: [6, 12],
  emaEvery: 3,
  seeds: [0],
  couplings: [{ name: 'independent' }, { name: 'dansm', ms: 64 }, { name: 'ot', ms: 32 }],
  fid: { count: 96, solver: 'euler', nfe: 4 },
  claim2: { seeds: [0], nfes: [2, 4], solvers: ['euler', 'heun'], curvatureSamples: 8, curvatureSteps: 4 },
  bespoke: { nfes: [4], iterations: 1, batch: 4, validationSamples: 4, testSamples: 4, patience: 1, trainTolerance: 1e-3, rmseSamples: 4, rmseTolerance: 1e-3 },
  posthoc: { sigmaRels: [0.05, 0.1, 0.2], steps: [12], seeds: [0] },
  twoMode: { steps: 40, paths: 16, nfe: 8, beta: 10 },
};
