export { WebgpuUnavailableError } from './errors';
export type { AdapterInfoLike, AdapterLike, GpuLike } from './gpu-types';
export { installNavigatorGpu, uninstallNavigatorGpu } from './install-navigator-gpu';
export { isSoftwareAdapter } from './is-software-adapter';
export { describeAdapter } from './describe-adapter';
export { requestAdapter, type RequestAdapterOptions, type FoundAdapter } from './request-adapter';
export { requestDevice } from './request-device';
