import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './dist/index.js';
await initBackend('wasm');
const shapes = JSON.parse(process.argv[2]);
const cfgs = JSON.parse(process.argv[3]);
for (const [N, H, C, CO] of shapes) {
  const x = tf.randomNormal([N, H, H, C]), w = tf.randomNormal([3, 3, C, CO]);
  const fl = 2 * N * H * H * C * CO * 9;
  const f = () => tf.conv2d(x, w, 1, 'same');
  const best = cfgs.map(() => Infinity);
  const reps = Math.max(2, Math.round(3e8 / fl));
  for (let round = 0; round < 10; round++) cfgs.forEach((c, i) => {
    for (const k of ['WB', 'WS', 'WM', 'FLOW_WINOGRAD']) delete process.env[k];
    for (const [k, v] of Object.entries(c)) process.env[k] = String(v);
    f().dispose(); const t0 = performance.now(); for (let r = 0; r < reps; r++) f().dispose();
    if (round > 0) best[i] = Math.min(best[i], (performance.now() - t0) / reps);
  });
  console.log(JSON.stringify([N, H, C, CO]), cfgs.map((c, i) => `${Object.entries(c).map(([k, v]) => k.replace('FLOW_WINOGRAD', 'W') + v).join(',') || 'default'}: ${(fl / best[i] / 1e6).toFixed(0)}`).join(' | '));
}
