import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './dist/index.js';
await initBackend('wasm');
const shapes = JSON.parse(process.argv[2]);
const cfgs = JSON.parse(process.argv[3]); // [{FG_CI, FG_CO, FG_BYTES, FG_MIN}] ; 'fwd' = forward conv reference
for (const [N, H, C, CO, K] of shapes) {
  const x = tf.randomNormal([N, H, H, C]), w = tf.randomNormal([K, K, C, CO]), dy = tf.randomNormal([N, H, H, CO]);
  const fl = 2 * N * H * H * C * CO * K * K;
  const bwdF = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, filterShape: [K, K, C, CO] });
  const fwd = () => tf.conv2d(x, w, 1, 'same');
  const best = cfgs.map(() => Infinity);
  const reps = Math.max(2, Math.round(5e8 / fl));
  for (let round = 0; round < 12; round++) {
    cfgs.forEach((c, i) => {
      const f = c === 'fwd' ? fwd : bwdF;
      if (c !== 'fwd') for (const [k, v] of Object.entries(c)) process.env[k] = String(v);
      f().dispose();
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) f().dispose();
      if (round > 0) best[i] = Math.min(best[i], (performance.now() - t0) / reps);
    });
  }
  console.log(JSON.stringify([N, H, C, CO, K]), cfgs.map((c, i) => `${c === 'fwd' ? 'fwd' : Object.values(c).join('/')}: ${(fl / best[i] / 1e6).toFixed(1)}`).join(' | '));
}
