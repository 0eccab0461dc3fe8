import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { featureStatistics } from '../feature-statistics';
import { frechetDistance } from '../frechet-distance';
import { defaultMnistWeightsPath, MnistExtractor } from './mnist-extractor';
import { mnistForward } from './mnist-network';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const digitsOf = (k: number): number[] => require(`mnist/src/digits/${k}.json`).data;

/** `perClass` digits of each class from the mnist package (the last ones: most were used for training). */
function realDigits(perClass: number, from = 'end'): { images: Float32Array; labels: number[] } {
  const images: number[] = [];
  const labels: number[] = [];
  for (let k = 0; k < 10; k++) {
    const raw = digitsOf(k);
    const count = Math.floor(raw.length / 784);
    const start = from === 'end' ? count - perClass : 0;
    for (let i = start; i < start + perClass; i++) {
      images.push(...raw.slice(i * 784, (i + 1) * 784));
      labels.push(k);
    }
  }
  return { images: Float32Array.from(images), labels };
}

const haveWeights = existsSync(defaultMnistWeightsPath());

(haveWeights ? describe : describe.skip)('built-in MNIST extractor', () => {
  const ex = haveWeights ? new MnistExtractor() : (undefined as unknown as MnistExtractor);

  test('ships small, with its provenance in the metadata', () => {
    expect(ex.dim).toBe(64);
    expect(ex.metadata.format).toBe('flow-fid-mnist-extractor-v1');
    expect(Number(ex.metadata.held_out_accuracy)).toBeGreaterThan(0.9);
  });

  test('reads real digits: classifies them (sanity of the forward pass)', () => {
    const { images, labels } = realDigits(20);
    const logits = ex.logits({ data: images, count: labels.length, height: 28, width: 28, channels: 1 });
    let correct = 0;
    labels.forEach((label, i) => {
      const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
      if (row.indexOf(Math.max(...row)) === label) correct++;
    });
    expect(correct / labels.length).toBeGreaterThan(0.9);
  });

  test('plain TypeScript forward pass equals the same network in TensorFlow.js ops', async () => {
    await tf.setBackend('cpu');
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false; // no tfjs-node banner in test output
    const { images } = realDigits(2);
    const ours = await ex.extract({ data: images, count: 20, height: 28, width: 28, channels: 1 });
    const w = (ex as unknown as { weights: Parameters<typeof mnistForward>[0] }).weights;
    const theirs = tf.tidy(() => {
      const block = (x: tf.Tensor4D, kernel: Float32Array, shape: [number, number, number, number], bias: Float32Array): tf.Tensor4D =>
        tf.maxPool(tf.relu(tf.add(tf.conv2d(x, tf.tensor4d(kernel, shape), 1, 'same'), tf.tensor1d(bias))) as tf.Tensor4D, 2, 2, 'valid');
      let h = tf.tensor4d(images, [20, 28, 28, 1]);
      h = block(h, w.conv1Kernel, [3, 3, 1, 8], w.conv1Bias);
      h = block(h, w.conv2Kernel, [3, 3, 8, 16], w.conv2Bias);
      const flat = tf.reshape(h, [20, 784]);
      return tf.relu(tf.add(tf.matMul(flat, tf.tensor2d(w.dense1Kernel, [784, 64])), tf.tensor1d(w.dense1Bias))).dataSync();
    });
    let maxAbs = 0;
    for (const v of theirs) maxAbs = Math.max(maxAbs, Math.abs(v));
    for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i] - theirs[i])).toBeLessThan(1e-4 * Math.max(1, maxAbs));
  });

  test('FID separates real digits from degraded ones; resized input works', async () => {
    const a = realDigits(40, 'start');
    const b = realDigits(40, 'end');
    const fa = featureStatistics(await ex.extract({ data: a.images, count: 400, height: 28, width: 28, channels: 1 }), 64);
    const fb = featureStatistics(await ex.extract({ data: b.images, count: 400, height: 28, width: 28, channels: 1 }), 64);
    const blurred = b.images.map((v, i) => 0.5 * v + 0.5 * (b.images[i + 1] ?? 0));
    const fc = featureStatistics(await ex.extract({ data: blurred, count: 400, height: 28, width: 28, channels: 1 }), 64);
    const real = frechetDistance(fa, fb);
    const degraded = frechetDistance(fa, fc);
    expect(degraded).toBeGreaterThan(2 * real);
    // 56x56 RGB versions of the same digits go through luma + antialiased resize back to 28x28.
    const big = new Float32Array(400 * 56 * 56 * 3);
    for (let n = 0; n < 400; n++) for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) for (let c = 0; c < 3; c++) big[((n * 56 + y) * 56 + x) * 3 + c] = b.images[n * 784 + (y >> 1) * 28 + (x >> 1)];
    const fd = featureStatistics(await ex.extract({ data: big, count: 400, height: 56, width: 56, channels: 3 }), 64);
    expect(frechetDistance(fb, fd)).toBeLessThan(real);
  });
});
