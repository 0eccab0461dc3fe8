export { configFlags, defaultUnetConfig, type Edm2ConfigLetter, type Edm2Flags, type UnetConfig } from './config';
export { UnetInputError, UnknownPresetError } from './errors';
export { unetLayout, blockLayers, type BlockSpec, type LayerSpec, type UnetLayout } from './unet-layout';
export { parameterSpecs, bufferSpecs, countParameters, layerWeightShape, layerFanIn, type ParameterSpec, type BufferSpec } from './parameter-specs';
export { unetPresets, unetPresetNames, getUnetPreset, type UnetPreset } from './presets';
export { countFlops, type FlopCount } from './count-flops';
export { normalize, pixelNorm, mpSilu, mpSiluModulated, silu, mpSum, mpCat, scaledConcat, mpFourier, plainFourier, rmsGroupNorm, downsample2x, upsample2x } from './mp-ops';
export { effectiveWeight, forcedNormalized, applyWeight } from './mp-conv';
export { flowPrecond, flowPrecondScalar, T_EPS, type FlowPrecond } from './preconditioning';
export { uncertaintyWeightedLoss, flowLossWeight } from './uncertainty-loss';
export { Edm2Unet, createEdm2Unet, type CreateUnetOptions, type ForwardOptions, type UniformSource } from './edm2-unet';
export {
  MlpVelocityNet,
  createMlpVelocityNet,
  mlpParameterSpecs,
  countMlpParameters,
  defaultMlpConfig,
  type MlpConfig,
} from './mlp-velocity-net';
export { mlpPresets, getMlpPreset, mlpPresetNames, type MlpPreset } from './mlp-presets';
export { edm2ConfigFromKwargs, edm2StateDictToTensors, type StateTensor, type LayoutTensor, type Edm2Import } from './edm2-state-dict';
