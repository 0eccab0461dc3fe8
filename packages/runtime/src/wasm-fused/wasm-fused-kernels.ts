import type { KernelConfig } from '@tensorflow/tfjs-core';
import { CLIP_BY_VALUE_GRAD } from '../gradients/clip-by-value-grad-name';
import { bindEngine, type FusedEngine, type FusedKernel } from '../native-kernels/fused-engine';
import { clipByValueGrad } from '../native-kernels/clip-by-value-grad';
import { MP_CAT, mpCat } from '../native-kernels/mp-cat';
import { MP_CAT_GRAD, mpCatGrad } from '../native-kernels/mp-cat-grad';
import { MP_SILU, mpSilu } from '../native-kernels/mp-silu';
import { MP_SILU_GRAD, mpSiluGrad } from '../native-kernels/mp-silu-grad';
import { MP_SILU_MOD, mpSiluMod } from '../native-kernels/mp-silu-mod';
import { MP_SILU_MOD_GRAD, mpSiluModGrad } from '../native-kernels/mp-silu-mod-grad';
import { MP_SUM, mpSum } from '../native-kernels/mp-sum';
import { DOWN_2X, UP_2X, down2x, up2x } from '../native-kernels/resample2x';
import { ROW_NORMALIZE, rowNormalize } from '../native-kernels/row-normalize';
import { ROW_NORMALIZE_GRAD, rowNormalizeGrad } from '../native-kernels/row-normalize-grad';
import { WEIGHT_NORM, weightNorm } from '../native-kernels/weight-norm';
import { WEIGHT_NORM_GRAD, weightNormGrad } from '../native-kernels/weight-norm-grad';
import { jsFusedEngine } from './js-fused-engine';
import { simdFusedEngine } from './simd-fused-engine';

/**
 * The wasm engine's loops: the mp_silu family, mp_sum, the clip gradient and normalize as vector-SIMD wasm in
 * place on the heap (simd-fused-engine.ts), the rest in TypeScript.
 */
const wasmFusedEngine: FusedEngine = { ...jsFusedEngine, ...simdFusedEngine };
const engine = () => wasmFusedEngine;
const config = (kernelName: string, kernel: FusedKernel): KernelConfig => ({ kernelName, backendName: 'wasm', kernelFunc: bindEngine(kernel, engine) });

/**
 * The native engine's fused EDM2 kernels with the same names, shapes and attributes (one pass each over the
 * wasm heap instead of 3-15 tfjs kernels): what the wasm engine registers.
 */
export const WASM_FUSED_KERNELS: readonly KernelConfig[] = [
  config(WEIGHT_NORM, weightNorm), config(WEIGHT_NORM_GRAD, weightNormGrad), config(MP_CAT, mpCat), config(MP_CAT_GRAD, mpCatGrad), config(MP_SUM, mpSum),
  config(ROW_NORMALIZE, rowNormalize), config(ROW_NORMALIZE_GRAD, rowNormalizeGrad), config(CLIP_BY_VALUE_GRAD, clipByValueGrad), config(DOWN_2X, down2x), config(UP_2X, up2x),
  config(MP_SILU, mpSilu), config(MP_SILU_GRAD, mpSiluGrad), config(MP_SILU_MOD, mpSiluMod), config(MP_SILU_MOD_GRAD, mpSiluModGrad),
];
