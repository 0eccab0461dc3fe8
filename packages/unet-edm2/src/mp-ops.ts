import * as tf from '@tensorflow/tfjs-core';
import { hasKernels } from './has-kernels';
import { runFused } from './run-fused';

// The fixed-function building blocks of EDM2 (networks_edm2.py, paper Appendix B.2), on NHWC tensors.

// Normalisation over the last axis as one fused kernel pair where a backend registers it (the native engine).
const FUSED_ROW_NORMALIZE = 'FlowRowNormalize';
const FUSED_ROW_NORMALIZE_GRAD = 'FlowRowNormalizeGrad';

/** EDM2 `normalize`: x / (eps + |x| / sqrt(n)) over `axes`, so the RMS over those axes becomes 1. */
export function normalize(x: tf.Tensor, axes: number[], eps = 1e-4): tf.Tensor {
  const lastOnly = axes.length === 1 && (axes[0] === x.rank - 1 || axes[0] === -1);
  const fused = lastOnly && x.dtype === 'float32' && x.size > 0 ? runFused(FUSED_ROW_NORMALIZE, [FUSED_ROW_NORMALIZE_GRAD], { x }, { eps }) : undefined;
  if (fused) return fused;
  return tf.tidy(() => {
    let n = 1;
    for (const a of axes) n *= x.shape[a < 0 ? x.rank + a : a];
    const norm = tf.sqrt(tf.sum(tf.square(x), axes, true));
    return tf.div(x, tf.add(tf.mul(norm, 1 / Math.sqrt(n)), eps));
  });
}

/** Pixel norm: unit RMS over the channel axis (the last, NHWC). */
export function pixelNorm(x: tf.Tensor, eps = 1e-4): tf.Tensor {
  return normalize(x, [x.rank - 1], eps);
}

// A backend may register EDM2's mp_silu as one fused kernel pair (@flow/runtime's native engine does): one pass
// forward and one backward instead of Sigmoid, two Multiplys and their ~6 gradient kernels.
const FUSED_MP_SILU = 'FlowMpSilu';
const FUSED_MP_SILU_GRAD = 'FlowMpSiluGrad';

/** Magnitude-preserving SiLU: silu(x) / 0.596 (E[silu(x)^2] = 0.596^2 for x ~ N(0, 1)). */
export function mpSilu(x: tf.Tensor): tf.Tensor {
  const fused = x.dtype === 'float32' ? runFused(FUSED_MP_SILU, [FUSED_MP_SILU_GRAD], { x }) : undefined;
  if (fused) return fused;
  return tf.tidy(() => tf.mul(tf.mul(x, tf.sigmoid(x)), 1 / 0.596));
}

// The block's modulated activation mp_silu(x * c) as one fused kernel pair where registered: one pass forward and
// one backward (both gradients, the scales' summed over pixels) instead of Multiply, mp_silu and a ~5-kernel gradient.
const FUSED_MP_SILU_MOD = 'FlowMpSiluMod';
const FUSED_MP_SILU_MOD_GRAD = 'FlowMpSiluModGrad';

const fusedMpSiluMod = tf.customGrad(((x: tf.Tensor, s: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, s]);
  return {
    value: tf.engine().runKernel(FUSED_MP_SILU_MOD, { x, s }, {}) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(FUSED_MP_SILU_MOD_GRAD, { x: saved[0], s: saved[1], dy }, {}) as tf.Tensor[],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** mp_silu(x * c) for NHWC x and per-image channel scales c [batch, channels] (EDM2's modulation by the embedding). */
export function mpSiluModulated(x: tf.Tensor4D, c: tf.Tensor2D): tf.Tensor4D {
  const [n, , , ch] = x.shape;
  if (x.dtype === 'float32' && c.dtype === 'float32' && c.shape[0] === n && c.shape[1] === ch && x.size > 0 && hasKernels(FUSED_MP_SILU_MOD, FUSED_MP_SILU_MOD_GRAD)) {
    return fusedMpSiluMod(x, c) as tf.Tensor4D;
  }
  return tf.tidy(() => mpSilu(tf.mul(x, tf.reshape(c, [n, 1, 1, ch]))) as tf.Tensor4D);
}

/** Plain SiLU (configs C and E). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

// mp_sum and mp_cat as one fused kernel each where a backend registers them (the native engine): one pass instead
// of two Multiplys and an Add / a Concat, and mp_cat's gradient in one pass instead of two Slices and two Multiplys.
const FUSED_MP_SUM = 'FlowMpSum';
const FUSED_MP_CAT = 'FlowMpCat';
const FUSED_MP_CAT_GRAD = 'FlowMpCatGrad';

/** Magnitude-preserving sum: lerp(a, b, t) / sqrt((1 - t)^2 + t^2). */
export function mpSum(a: tf.Tensor, b: tf.Tensor, t = 0.5): tf.Tensor {
  const s = 1 / Math.sqrt((1 - t) ** 2 + t ** 2);
  const [ca, cb] = [(1 - t) * s, t * s];
  const fused = a.dtype === 'float32' && b.dtype === 'float32' && a.shape.join(',') === b.shape.join(',') ? runFused(FUSED_MP_SUM, [], { a, b }, { ca, cb }) : undefined;
  if (fused) return fused;
  return tf.tidy(() => tf.add(tf.mul(a, ca), tf.mul(b, cb)));
}

const fusedScaledConcat = (na: number, ca: number, cb: number) =>
  tf.customGrad(((a: tf.Tensor, b: tf.Tensor) => ({
    value: tf.engine().runKernel(FUSED_MP_CAT, { a, b }, { ca, cb }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor) => tf.engine().runKernel(FUSED_MP_CAT_GRAD, { dy }, { na, ca, cb }) as tf.Tensor[],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);

/** [ca a, cb b] along the last axis (inputs with the same leading shape). */
export function scaledConcat(a: tf.Tensor, b: tf.Tensor, ca: number, cb: number): tf.Tensor {
  const r = a.rank - 1;
  const lead = (x: tf.Tensor) => x.shape.slice(0, r).join(',');
  if (a.dtype === 'float32' && b.dtype === 'float32' && a.rank === b.rank && lead(a) === lead(b) && a.size > 0 && b.size > 0 && hasKernels(FUSED_MP_CAT, FUSED_MP_CAT_GRAD)) {
    return fusedScaledConcat(a.shape[r], ca, cb)(a, b);
  }
  return tf.tidy(() => tf.concat([ca === 1 ? a : tf.mul(a, ca), cb === 1 ? b : tf.mul(b, cb)], r));
}

/**
 * Magnitude-preserving concatenation along the last axis: each part weighted so the result has unit RMS
 * when both inputs do, with balance t between a (0) and b (1).
 */
export function mpCat(a: tf.Tensor, b: tf.Tensor, t = 0.5): tf.Tensor {
  const na = a.shape[a.rank - 1];
  const nb = b.shape[b.rank - 1];
  const c = Math.sqrt((na + nb) / ((1 - t) ** 2 + t ** 2));
  return scaledConcat(a, b, (c / Math.sqrt(na)) * (1 - t), (c / Math.sqrt(nb)) * t);
}

/** Magnitude-preserving Fourier features: sqrt(2) cos(freqs * x + phases); x is [batch], result [batch, n]. */
export function mpFourier(x: tf.Tensor, freqs: tf.Tensor, phases: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.cos(tf.add(tf.mul(tf.reshape(x, [-1, 1]), tf.reshape(freqs, [1, -1])), tf.reshape(phases, [1, -1]))), Math.SQRT2));
}

/** Standard Fourier features (configs C and E): [cos(f x), sin(f x)] over the first n/2 frequencies. */
export function plainFourier(x: tf.Tensor, freqs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = freqs.shape[0];
    const half = Math.floor(n / 2);
    const arg = tf.mul(tf.reshape(x, [-1, 1]), tf.reshape(tf.slice(freqs, [0], [n - half]), [1, -1]));
    const parts = [tf.cos(arg)];
    if (half > 0) parts.push(tf.sin(tf.slice(arg, [0, 0], [-1, half])));
    return tf.concat(parts, 1);
  });
}

/** Group norm as config C simplifies it: RMS over (H, W, channels of the group), no mean, no affine. */
export function rmsGroupNorm(x: tf.Tensor, maxGroups = 32, eps = 1e-4): tf.Tensor {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    let g = Math.min(maxGroups, c);
    while (c % g !== 0) g--;
    const y = tf.reshape(x, [n, h, w, g, c / g]);
    return tf.reshape(normalize(y, [1, 2, 4], eps), [n, h, w, c]);
  });
}

// 2x2 resampling as one fused kernel each where registered (each the other's gradient): on wasm the composite
// runs a rank-6 Mean / broadcast Multiply whose gradients transpose.
const FUSED_DOWN_2X = 'FlowDown2x';
const FUSED_UP_2X = 'FlowUp2x';

/** 2x2 box-filter downsampling (EDM2's resample 'down' with filter [1, 1]); reshapes only, so every backend differentiates it. */
export function downsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const fused = h % 2 === 0 && w % 2 === 0 && x.dtype === 'float32' && x.size > 0 ? runFused(FUSED_DOWN_2X, [FUSED_UP_2X], { x }, { scale: 0.25 }) : undefined;
  if (fused) return fused as tf.Tensor4D;
  return tf.tidy(() => tf.mean(tf.reshape(x, [n, h / 2, 2, w / 2, 2, c]), [2, 4]) as tf.Tensor4D);
}

/** Nearest-neighbour 2x upsampling (EDM2's resample 'up' with filter [1, 1]). */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const fused = x.dtype === 'float32' && x.size > 0 ? runFused(FUSED_UP_2X, [FUSED_DOWN_2X], { x }, { scale: 1 }) : undefined;
  if (fused) return fused as tf.Tensor4D;
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const y = tf.mul(tf.reshape(x, [n, h, 1, w, 1, c]), tf.ones([1, 1, 2, 1, 2, 1]));
    return tf.reshape(y, [n, 2 * h, 2 * w, c]) as tf.Tensor4D;
  });
}
