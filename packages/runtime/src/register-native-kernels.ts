import { getKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { useKernels } from './kernel-swap';
import { identityConfig } from './kernels/identity';
import { MP_SILU_CONV2D, MP_SILU_CONV2D_FILTER_GRAD } from './kernels/mp-silu-conv2d';
import { nativeBatchMatMulConfig } from './native-kernels/batch-mat-mul';
import { nativeClipByValueGradConfig } from './native-kernels/clip-by-value-grad';
import { nativeConv2DConfig } from './native-kernels/conv2d';
import { nativeConv2DBackpropFilterConfig } from './native-kernels/conv2d-backprop-filter';
import { nativeConv2DBackpropInputConfig } from './native-kernels/conv2d-backprop-input';
import { nativeMpSiluConfig } from './native-kernels/mp-silu';
import { nativeMpSiluGradConfig } from './native-kernels/mp-silu-grad';
import { nativeRowNormalizeConfig } from './native-kernels/row-normalize';
import { nativeRowNormalizeGradConfig } from './native-kernels/row-normalize-grad';
import { nativeMpCatConfig } from './native-kernels/mp-cat';
import { nativeMpCatGradConfig } from './native-kernels/mp-cat-grad';
import { nativeMpSiluModConfig } from './native-kernels/mp-silu-mod';
import { nativeMpSiluModGradConfig } from './native-kernels/mp-silu-mod-grad';
import { nativeDown2xConfig, nativeUp2xConfig } from './native-kernels/resample2x';
import { nativeMpSumConfig } from './native-kernels/mp-sum';
import { nativeWeightNormConfig } from './native-kernels/weight-norm';
import { nativeWeightNormGradConfig } from './native-kernels/weight-norm-grad';
import { setNativeEngine, type NativeEngine } from './native-kernels/native-engine';

/** The wasm backend's heavy kernels as the `native` engine runs them (@flow/native: OpenBLAS, every core), plus the copy-free Identity and EDM2's fused mp_silu (`FlowMpSilu`, `FlowMpSiluGrad`: networks use them where registered) a one-pass ClipByValue gradient, EDM2's normalize over the last axis (`FlowRowNormalize`, `FlowRowNormalizeGrad`), weight normalisation with its scale (`FlowWeightNorm`, `FlowWeightNormGrad`), mp_cat (`FlowMpCat`, `FlowMpCatGrad`), mp_sum (`FlowMpSum`), the modulated activation (`FlowMpSiluMod`, `FlowMpSiluModGrad`) and 2x2 resampling (`FlowDown2x`, `FlowUp2x`). */
export const NATIVE_KERNELS: readonly KernelConfig[] = [nativeConv2DConfig, nativeConv2DBackpropInputConfig, nativeConv2DBackpropFilterConfig, nativeBatchMatMulConfig, identityConfig, nativeMpSiluConfig, nativeMpSiluGradConfig,
  nativeClipByValueGradConfig, nativeRowNormalizeConfig, nativeRowNormalizeGradConfig, nativeWeightNormConfig, nativeWeightNormGradConfig, nativeMpCatConfig, nativeMpCatGradConfig,
  nativeMpSumConfig, nativeMpSiluModConfig, nativeMpSiluModGradConfig, nativeDown2xConfig, nativeUp2xConfig];

/**
 * Registers the native kernels on the wasm backend (idempotent), given the loaded `@flow/native` module.
 * initBackend('native') does this; `registerWasmKernels()` puts the wasm ones back.
 */
export function registerNativeKernels(engine: NativeEngine): string[] {
  setNativeEngine(engine);
  // The wasm engine's conv of mp_silu runs on its own GEMM pool: left registered, networks would take it instead
  // of the native convs (mnist-fast forward 20 -> 29-33 ms). Without it they compose mp_silu and the native conv.
  for (const name of WASM_ONLY) if (getKernel(name, 'wasm')) unregisterKernel(name, 'wasm');
  return useKernels(NATIVE_KERNELS);
}

/** The wasm engine's kernels that the native engine has no counterpart of and must not inherit. */
const WASM_ONLY = [MP_SILU_CONV2D, MP_SILU_CONV2D_FILTER_GRAD];
