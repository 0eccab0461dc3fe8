import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './dist/index.js';
await initBackend('wasm');
const cases = JSON.parse(process.argv[2]);
for (const [N, H, C, CO, K] of cases) {
  const x = tf.randomNormal([N, H, H, C]), w = tf.randomNormal([K, K, C, CO]), dy = tf.randomNormal([N, H, H, CO]);
  const fl = 2 * N * H * H * C * CO * K * K;
  const fns = { fwd: () => tf.conv2d(x, w, 1, 'same'), bwdI: () => tf.conv2dTranspose(dy, w, [N, H, H, C], 1, 'same'), bwdF: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, filterShape: [K, K, C, CO] }) };
  const out = [];
  for (const [name, f] of Object.entries(fns).filter(([n]) => !process.env.ONLY || process.env.ONLY === n)) {
    const run = (n) => { const t0 = performance.now(); for (let i = 0; i < n; i++) f().dispose(); return (performance.now() - t0) / n; };
    run(5);
    let best = Infinity;
    for (let r = 0; r < 8; r++) best = Math.min(best, run(5));
    out.push(`${name} ${best.toFixed(3)} ms ${(fl / best / 1e6).toFixed(1)}`);
  }
  console.log(JSON.stringify([N, H, C, CO, K]), out.join(' | '));
}
