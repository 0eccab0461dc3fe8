export { TrainerInputError } from './errors';
// training
export { train, resume } from './trainer';
export type { TrainOptions, TrainHooks, TrainSummary, StepInfo } from './train-options';
export { TRAIN_DEFAULTS } from './train-defaults';
export { defaultConfig } from './default-config';
export { CONFIG_FORMAT, type TrainConfig, type ConditionalConfig } from './train-config';
export type { ModelConfig } from './model-config';
export { TRAINING_COUPLINGS, type TrainingCoupling, type TrainingCouplingName } from './training-coupling';
export type { EmaHook, EmaHookState } from './ema-hook';
export { powerEmaHook } from './power-ema-hook';
// the run directory
export { RunDirectory, type NetWeights } from './run/run-directory';
export type { RunCheckpoint, TrainedGroup } from './run/run-checkpoint';
// the model of a run, and sampling it
export { createRunNet, unetConfigFor } from './model-factory';
export type { VelocityNet, TrainableNet } from './velocity-net';
export { loadVelocityModel, type LoadedVelocityModel } from './load-velocity-model';
export { loadFlowModel, type FlowModel } from './load-flow-model';
export { sampleModel, writeSamples, type SampleOptions, type SampleResult, type CustomSolver, type SamplableModel } from './sample-model';
export { shardRange } from './shard-range';
// class-conditional models and classifier-free guidance
export type { ConditionalVelocity } from './conditional-velocity';
export { checkClassChoice, rowClasses, type ClassChoice } from './class-choice';
export { guidedVelocity } from './guided-velocity';
export { guidedFlowModel, guidedIdentity } from './guided-flow-model';
export { oneHot } from './one-hot';
export { dropLabels } from './label-dropout';
// models from elsewhere, and what a model has learned
export { importEdm2, type ImportEdm2Options, type ImportEdm2Result } from './import-edm2';
export { linearProbe, type LinearProbeData, type LinearProbeResult } from './linear-probe';
