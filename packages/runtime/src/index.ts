export { BACKEND_NAMES, parseBackendName, type BackendName, type ResolvedBackend } from './backend-name';
export { BackendNameError, BackendThreadsError, BackendUnavailableError } from './errors';
export { initBackend, type BackendAttempt, type BackendInfo, type InitBackendOptions } from './init-backend';
export { measureMatmulGflops, type MatmulGflops } from './measure-matmul-gflops';
export { randomNormalTensor, randomUniformTensor, type RngLike } from './random-tensor';
export { registerWasmKernels, WASM_KERNELS } from './register-wasm-kernels';
export { NATIVE_KERNELS } from './register-native-kernels';
export { GRADIENTS, registerGradients } from './register-gradients';
export { explainSyncReads, WEBGPU_SYNC_READ_MESSAGE } from './explain-sync-reads';
