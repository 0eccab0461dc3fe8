export { isNativeAvailable, nativeUnavailableReason } from './availability';
export { nativeInfo, type NativeInfo } from './native-info';
export { getNativeThreads, setNativeChunkFloats, setNativeThreads } from './threads';
export { conv2dBackpropFilter, conv2dBackpropInput, conv2dForward, type Conv2DGeometry } from './conv2d';
export { batchMatMul, type BatchMatMulOptions } from './batch-mat-mul';
export { matMulABt } from './mat-mul-abt';
export { poolCentre, poolDistances, poolGreedy } from './dansm-pool';
export { clipByValueGrad, mpSilu, mpSiluGrad, mpSum, rowNormalize, rowNormalizeGrad } from './mp-elementwise';
export { NativeInputError } from './errors';
