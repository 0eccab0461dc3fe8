// GFLOP/s of tf.matMul on wasm for transposed / batched shapes: this package's BatchMatMul vs the stock kernel.
// Usage (after `npx tsup`): node scripts/bench-matmul.mjs   (under `flock /tmp/bench.lock` on shared machines)
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../dist/index.js';

const stock = tf.getKernel('BatchMatMul', 'wasm');
await initBackend('wasm');
const ours = tf.getKernel('BatchMatMul', 'wasm');
const use = (k) => {
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(k);
  k.setupFunc?.(tf.backend());
};
const shapes = [
  ['attention q k^T', [64, 196, 16], [64, 196, 16], false, true],
  ['attention p v', [64, 196, 196], [64, 196, 16], false, false],
  ['attention dp^T q', [64, 196, 196], [64, 196, 16], true, false],
  ['1x1 conv dx (dy w^T)', [1, 25088, 32], [1, 96, 32], false, true],
  ['1x1 conv dw (x^T dy)', [1, 25088, 32], [1, 25088, 96], true, false],
  ['square 512', [1, 512, 512], [1, 512, 512], false, false],
];
const best = (fn, reps = 3) => {
  let t = Infinity;
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    const y = fn();
    y.dataSync();
    y.dispose();
    if (r > 0) t = Math.min(t, performance.now() - t0);
  }
  return t / 1e3;
};
console.log('| product | shapes | stock GFLOP/s | ours GFLOP/s | speed-up |\n|---|---|---:|---:|---:|');
for (const [label, as, bs, ta, tb] of shapes) {
  const a = tf.randomNormal(as, 0, 1, 'float32', 1);
  const b = tf.randomNormal(bs, 0, 1, 'float32', 2);
  const m = ta ? as[2] : as[1];
  const k = ta ? as[1] : as[2];
  const n = tb ? bs[1] : bs[2];
  const flops = 2 * as[0] * m * k * n;
  use(stock);
  const s = flops / best(() => tf.matMul(a, b, ta, tb)) / 1e9;
  use(ours);
  const o = flops / best(() => tf.matMul(a, b, ta, tb)) / 1e9;
  console.log(`| ${label} | ${JSON.stringify(as)}${ta ? 'T' : ''} x ${JSON.stringify(bs)}${tb ? 'T' : ''} | ${s.toFixed(1)} | ${o.toFixed(1)} | ${(o / s).toFixed(1)}x |`);
  tf.dispose([a, b]);
}
