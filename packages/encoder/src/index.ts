export { EncoderInputError } from './errors';
export { type GaussianEncoder, type Posterior, type RngLike, LOGVAR_RANGE } from './gaussian-encoder';
export { createMlpEncoder, type MlpEncoderConfig } from './mlp-encoder';
export { createConvEncoder, type ConvEncoderConfig } from './conv-encoder';
export { klDivergence, reparameterize } from './kl-divergence';
export { createEncoderTerm, createEncoderForShape, type EncoderTerm, type EncoderTermOptions, type EncoderForShapeOptions } from './encoder-term';
export { createEncoderCoupling, defaultEncoderBeta, type EncoderCoupling } from './encoder-coupling';
