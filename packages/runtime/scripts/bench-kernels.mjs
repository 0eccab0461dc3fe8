// GFLOP/s of conv forward, the backprop kernels and matmul on one backend (default wasm).
// Usage (after `npx tsup`): node scripts/bench-kernels.mjs [wasm|cpu] [--stock]  (--stock: the wasm backend's own
// Conv2DBackpropInput, for comparison). Run under `flock /tmp/bench.lock` on shared machines.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend, measureMatmulGflops } from '../dist/index.js';

const backend = process.argv[2] ?? 'wasm';
const stock = process.argv.includes('--stock');
const stockBackpropInput = stock ? tf.getKernel('Conv2DBackpropInput', 'wasm') : undefined;
const info = await initBackend(backend);
if (stockBackpropInput) {
  tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel(stockBackpropInput);
  stockBackpropInput.setupFunc?.(tf.backend()); // setup functions run at backend init, which has happened
}
console.log(`backend ${info.backend}${stock ? ' (stock Conv2DBackpropInput)' : ''}`);

function best(fn, reps) {
  let t = Infinity;
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    const y = fn();
    y.dataSync();
    const dt = (performance.now() - t0) / 1e3;
    y.dispose();
    if (r > 0) t = Math.min(t, dt);
  }
  return t;
}

const rows = [];
const shapes = [
  // [batch, size, cin, cout, k, stride]
  [32, 32, 64, 64, 3, 1],
  [32, 16, 128, 128, 3, 1],
  [32, 8, 256, 256, 3, 1],
  [32, 32, 64, 128, 1, 1],
  [32, 32, 64, 64, 3, 2],
];
for (const [n, s, cin, cout, k, stride] of shapes) {
  const x = tf.randomNormal([n, s, s, cin], 0, 1, 'float32', 1);
  const w = tf.randomNormal([k, k, cin, cout], 0, 1, 'float32', 2);
  const y = tf.conv2d(x, w, stride, 'same');
  const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
  const flops = 2 * y.shape[0] * y.shape[1] * y.shape[2] * cout * k * k * cin;
  const reps = backend === 'cpu' ? 1 : 3;
  const fwd = best(() => tf.conv2d(x, w, stride, 'same'), reps);
  const bin = best(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: stride, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape }), reps);
  const bfl = best(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: stride, pad: 'same', dataFormat: 'NHWC', filterShape: w.shape }), reps);
  const g = (t) => (flops / t / 1e9).toFixed(1);
  rows.push(`| ${n}x${s}x${s}x${cin} -> ${cout}, ${k}x${k}, stride ${stride} | ${(flops / 1e9).toFixed(2)} | ${g(fwd)} | ${g(bin)} | ${g(bfl)} |`);
  tf.dispose([x, w, y, dy]);
}
console.log('| conv (NHWC) | GFLOP | forward GFLOP/s | backprop input GFLOP/s | backprop filter GFLOP/s |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
for (const n of [256, 512, 1024]) {
  const m = await measureMatmulGflops(undefined, { n, repeats: 3 });
  console.log(`matmul ${n}x${n}: ${m.gflops.toFixed(1)} GFLOP/s (${(m.seconds * 1e3).toFixed(1)} ms)`);
}
