/** Weights of the built-in MNIST CNN (tfjs layouts: conv kernels [3, 3, in, out], dense [in, out]). */
export interface MnistWeights {
  conv1Kernel: Float32Array; // [3, 3, 1, 8]
  conv1Bias: Float32Array; // [8]
  conv2Kernel: Float32Array; // [3, 3, 8, 16]
  conv2Bias: Float32Array; // [16]
  dense1Kernel: Float32Array; // [784, 64]
  dense1Bias: Float32Array; // [64]
  dense2Kernel: Float32Array; // [64, 10]
  dense2Bias: Float32Array; // [10]
}

export const MNIST_FEATURE_DIM = 64;

/** 3x3 'same' convolution + bias + relu, then 2x2 max-pool (stride 2), NHWC single image. */
function convReluPool(x: Float32Array, size: number, cin: number, kernel: Float32Array, bias: Float32Array, cout: number): Float32Array {
  const conv = new Float32Array(size * size * cout);
  for (let y = 0; y < size; y++) {
    for (let xx = 0; xx < size; xx++) {
      const o = (y * size + xx) * cout;
      for (let co = 0; co < cout; co++) conv[o + co] = bias[co];
      for (let ky = 0; ky < 3; ky++) {
        const iy = y + ky - 1;
        if (iy < 0 || iy >= size) continue;
        for (let kx = 0; kx < 3; kx++) {
          const ix = xx + kx - 1;
          if (ix < 0 || ix >= size) continue;
          const ib = (iy * size + ix) * cin;
          const kb = (ky * 3 + kx) * cin * cout;
          for (let ci = 0; ci < cin; ci++) {
            const v = x[ib + ci];
            if (v === 0) continue;
            const kr = kb + ci * cout;
            for (let co = 0; co < cout; co++) conv[o + co] += v * kernel[kr + co];
          }
        }
      }
    }
  }
  const half = size >> 1;
  const out = new Float32Array(half * half * cout);
  for (let y = 0; y < half; y++) {
    for (let xx = 0; xx < half; xx++) {
      for (let co = 0; co < cout; co++) {
        let m = 0; // relu folded into the max: max(0, a, b, c, d)
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, conv[((2 * y + dy) * size + 2 * xx + dx) * cout + co]);
        out[(y * half + xx) * cout + co] = m;
      }
    }
  }
  return out;
}

/**
 * Forward pass of the built-in MNIST network in plain TypeScript (no TensorFlow.js needed): for each 28x28
 * grayscale image in [0, 1], the 64 penultimate activations (`features`) and the 10 class logits.
 */
export function mnistForward(w: MnistWeights, images: Float32Array, count: number): { features: Float32Array; logits: Float32Array } {
  const features = new Float32Array(count * MNIST_FEATURE_DIM);
  const logits = new Float32Array(count * 10);
  for (let n = 0; n < count; n++) {
    const img = images.subarray(n * 784, (n + 1) * 784);
    const h1 = convReluPool(img, 28, 1, w.conv1Kernel, w.conv1Bias, 8);
    const h2 = convReluPool(h1, 14, 8, w.conv2Kernel, w.conv2Bias, 16); // 7 x 7 x 16 = 784, HWC flatten
    const f = features.subarray(n * MNIST_FEATURE_DIM, (n + 1) * MNIST_FEATURE_DIM);
    f.set(w.dense1Bias);
    for (let i = 0; i < 784; i++) {
      const v = h2[i];
      if (v === 0) continue;
      const r = i * MNIST_FEATURE_DIM;
      for (let j = 0; j < MNIST_FEATURE_DIM; j++) f[j] += v * w.dense1Kernel[r + j];
    }
    for (let j = 0; j < MNIST_FEATURE_DIM; j++) if (f[j] < 0) f[j] = 0;
    const l = logits.subarray(n * 10, (n + 1) * 10);
    l.set(w.dense2Bias);
    for (let i = 0; i < MNIST_FEATURE_DIM; i++) {
      const v = f[i];
      if (v === 0) continue;
      for (let j = 0; j < 10; j++) l[j] += v * w.dense2Kernel[i * 10 + j];
    }
  }
  return { features, logits };
}
