export { EmaInputError } from './errors';
export { gammaToSigmaRel, sigmaRelToGamma, powerEmaBeta, MAX_SIGMA_REL, GAMMA_AT_MAX_SIGMA_REL } from './power-function';
export { classicEmaBeta, type ClassicEmaOptions, type ClassicEmaWarmup } from './classic-ema';
export { emaUpdate } from './ema-update';
export { powerProfileInnerProduct } from './power-profile';
export { solveLinear } from './solve-linear';
export { solvePosthocCoefficients, profileGamma, type EmaProfile, type PosthocSolution } from './posthoc-coefficients';
export {
  SNAPSHOT_FORMAT,
  SNAPSHOT_FORMAT_VERSION,
  snapshotFileName,
  snapshotMetadata,
  readSnapshotInfo,
  listSnapshots,
  readTensorLayout,
  type SnapshotInfo,
  type TensorLayout,
} from './snapshot-layout';
export { reconstructEma, type ReconstructOptions, type ReconstructResult } from './reconstruct';
export { PowerEmaTracker, type PowerEmaTrackerOptions, type PowerEmaTrackerState } from './power-ema-tracker';
