import type { FusedEngine } from '../native-kernels/fused-engine';
import { clipByValueGrad } from './clip-by-value-grad';
import { down2x } from './down2x';
import { mpCat } from './mp-cat';
import { mpCatGrad } from './mp-cat-grad';
import { mpSilu } from './mp-silu';
import { mpSiluGrad } from './mp-silu-grad';
import { mpSiluMod } from './mp-silu-mod';
import { mpSiluModGrad } from './mp-silu-mod-grad';
import { mpSum } from './mp-sum';
import { rowNormalize } from './row-normalize';
import { rowNormalizeGrad } from './row-normalize-grad';
import { up2x } from './up2x';
import { colNormalize } from './weight-norm';
import { colNormalizeGrad } from './weight-norm-grad';

/** The fused EDM2 loops in TypeScript, single-threaded over the wasm heap: the wasm engine's counterpart of @flow/native. */
export const jsFusedEngine: FusedEngine = {
  mpSilu, mpSiluGrad, rowNormalize, rowNormalizeGrad, clipByValueGrad, mpSum, mpCat, mpCatGrad, mpSiluMod, mpSiluModGrad, down2x, up2x, colNormalize, colNormalizeGrad,
};
