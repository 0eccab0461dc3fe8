export { type VelocityField, type VelocityModel, perSampleTime } from './velocity-field';
export { SolverInputError } from './solver-input-error';
export { type TimeGridSpec, timeGrid, validateGrid } from './time-grid';
export { type FixedStepMethod, type FixedStepResult, STAGES, isFixedStepMethod, fixedStep, resolveSteps, solveFixedStep } from './fixed-step';
export { type Dopri5Options, type Dopri5Result, dopri5 } from './dopri5';
export { type SolverName, type SolveOptions, type SolveResult, SOLVER_NAMES, solve } from './solve';
export { type GaussianMixtureSpec, GaussianMixtureFlow } from './gaussian-mixture-flow';
export { type TrajectoryMetrics, trajectoryMetrics } from './trajectory-metrics';
export {
  type BespokeBase,
  type BespokeRawParams,
  type BespokeCoefficients,
  type BespokeTensors,
  BespokeSolver,
  bespokeGridSize,
  bespokeParameterCount,
  identityParams,
  coefficientsOf,
  coefficientTensors,
  selectionMatrix,
} from './bespoke-solver';
export { type BespokeTrainOptions, type BespokeTrainResult, type BespokeHeldOut, type BespokeLossKind, type BespokeOptimizer, trainBespoke } from './train-bespoke';
export { bespokeLoss, bespokeGlobalLoss, bespokeLearningRate } from './bespoke-loss';
export { DenseGroundTruth } from './bespoke-ground-truth';
export { Lbfgs, type Objective } from './lbfgs';
export { Adam } from './adam';
export {
  type BespokeFile,
  type LoadBespokeOptions,
  BESPOKE_FORMAT,
  BESPOKE_VERSION,
  bespokeToJson,
  saveBespoke,
  parseBespoke,
  loadBespoke,
  loadBespokeSolver,
} from './bespoke-file';
export { type DivergenceField, type LikelihoodEstimator, type ProbeDistribution, type LikelihoodOptions, type LikelihoodResult, logLikelihood } from './log-likelihood';
export { gaussianMixtureLogDensity } from './gaussian-mixture-log-density';
export { bitsPerDim } from './bits-per-dim';
export { dequantizeUint8 } from './dequantize-uint8';
export { type RandomMixtureOptions, randomMixtureSpec } from './random-mixture-spec';
