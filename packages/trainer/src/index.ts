export { TrainerInputError } from './errors';
export type { Dataset, DataSampler, Normalization, SamplerState } from './datasets/dataset';
export { ArraySampler } from './datasets/array-sampler';
export { GeneratorSampler } from './datasets/generator-sampler';
export { TOY_DATASETS, toyDataset, isToyDataset } from './datasets/toy-2d';
export { loadMnistDigits, mnistDataset, type MnistOptions } from './datasets/mnist';
export { pngFolderDataset, type PngFolderOptions } from './datasets/png-folder';
export { npyDataset } from './datasets/npy-dataset';
export { imageDataset, pointDataset } from './datasets/image-dataset';
export { loadDataset, BUILTIN_DATASETS, type LoadDatasetOptions } from './datasets/load-dataset';
export { learningRate, type LrSchedule } from './lr-schedule';
export { Adam, type AdamOptions } from './adam';
export { flowMatchingLoss, type FlowMatchingTerms } from './flow-matching-loss';
export type { VelocityNet } from './velocity-net';
export { createRunNet, createVelocityNet, RUN_STREAM, unetConfigFor, type ModelConfig, type TrainableNet } from './model-factory';
export {
  registerCoupling,
  getCouplingFactory,
  registeredCouplings,
  type CoupledBatch,
  type CouplingContext,
  type CouplingFactory,
  type CouplingSnapshot,
  type CouplingTerm,
  type TrainerCoupling,
} from './coupling';
export { registerBuiltinCouplings } from './builtin-couplings';
export { createEncoderCoupling, defaultEncoderBeta } from './encoder-coupling';
export {
  CHECKPOINT_FORMAT,
  checkpointDir,
  checkpointPath,
  writeCheckpoint,
  readCheckpoint,
  listCheckpoints,
  latestGoodCheckpoint,
  pruneCheckpoints,
  type CheckpointData,
} from './checkpoint';
export { CONFIG_FORMAT, type TrainConfig } from './train-config';
export { appendLog, readLog, logPath } from './run-log';
export { ProgressBar, formatDuration } from './progress-bar';
export {
  train,
  resume,
  defaultConfig,
  readRunConfig,
  datasetFromConfig,
  configPath,
  type TrainOptions,
  type TrainHooks,
  type TrainSummary,
  type StepInfo,
  type EmaHook,
} from './trainer';
export { loadVelocityModel, MODEL_WEIGHTS_FILE, type LoadedVelocityModel } from './load-velocity-model';
export { sampleModel, writeSamples, type SampleOptions, type SampleResult, type CustomSolver, type SamplableModel } from './sample-model';
export { shardRange } from './shard-range';
export { powerEmaHook, emaDir } from './power-ema-hook';
