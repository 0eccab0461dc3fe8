import type { KernelConfig } from '@tensorflow/tfjs-core';
import { useKernels } from './kernel-swap';
import { identityConfig } from './kernels/identity';
import { nativeBatchMatMulConfig } from './native-kernels/batch-mat-mul';
import { nativeClipByValueGradConfig } from './native-kernels/clip-by-value-grad';
import { nativeConv2DConfig } from './native-kernels/conv2d';
import { nativeConv2DBackpropFilterConfig } from './native-kernels/conv2d-backprop-filter';
import { nativeConv2DBackpropInputConfig } from './native-kernels/conv2d-backprop-input';
import { nativeMpSiluConfig } from './native-kernels/mp-silu';
import { nativeMpSiluGradConfig } from './native-kernels/mp-silu-grad';
import { nativeRowNormalizeConfig } from './native-kernels/row-normalize';
import { nativeRowNormalizeGradConfig } from './native-kernels/row-normalize-grad';
import { setNativeEngine, type NativeEngine } from './native-kernels/native-engine';

/** The wasm backend's heavy kernels as the `native` engine runs them (@flow/native: OpenBLAS, every core), plus the copy-free Identity and EDM2's fused mp_silu (`FlowMpSilu`, `FlowMpSiluGrad`: networks use them where registered) a one-pass ClipByValue gradient, and EDM2's normalize over the last axis (`FlowRowNormalize`, `FlowRowNormalizeGrad`). */
export const NATIVE_KERNELS: readonly KernelConfig[] = [nativeConv2DConfig, nativeConv2DBackpropInputConfig, nativeConv2DBackpropFilterConfig, nativeBatchMatMulConfig, identityConfig, nativeMpSiluConfig, nativeMpSiluGradConfig,
  nativeClipByValueGradConfig, nativeRowNormalizeConfig, nativeRowNormalizeGradConfig];

/**
 * Registers the native kernels on the wasm backend (idempotent), given the loaded `@flow/native` module.
 * initBackend('native') does this; `registerWasmKernels()` puts the wasm ones back.
 */
export function registerNativeKernels(engine: NativeEngine): string[] {
  setNativeEngine(engine);
  return useKernels(NATIVE_KERNELS);
}
