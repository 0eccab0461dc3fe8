import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeEngine } from './native-engine';

/**
 * The loops behind the fused EDM2 kernels, over float32 views of the wasm heap: @flow/native's C functions for
 * the native engine, TypeScript ones (src/wasm-fused) for the wasm engine. The kernels' shape and attribute
 * handling (the files here) is shared by both.
 */
export type FusedEngine = Pick<NativeEngine, 'mpSilu' | 'mpSiluGrad' | 'rowNormalize' | 'rowNormalizeGrad' | 'clipByValueGrad' | 'mpSum' | 'mpCat' | 'mpCatGrad' |
  'mpSiluMod' | 'mpSiluModGrad' | 'down2x' | 'up2x' | 'colNormalize' | 'colNormalizeGrad'>;

/** A fused kernel's body, given the engine whose loops it runs. */
export type FusedKernel = (engine: FusedEngine, args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }) => TensorInfo | TensorInfo[];

/** The tfjs kernel function running `kernel` on the engine `engine()` returns at call time. */
export function bindEngine(kernel: FusedKernel, engine: () => FusedEngine): KernelFunc {
  return ((args: { inputs: NamedTensorInfoMap; backend: unknown; attrs: NamedAttrMap }) => kernel(engine(), args)) as unknown as KernelFunc;
}
