import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from './dist/index.js';
await initBackend('wasm');
const cases = [[1,4,4,4,4,'same'],[2,5,7,4,8,'same'],[2,7,7,32,32,'same'],[3,8,8,12,20,'same'],[2,6,9,8,4,'valid'],[1,3,3,4,4,'valid'],[2,1,5,8,8,'same'],[16,32,32,64,64,'same'],[2,14,14,32,64,'same'],[1,2,2,4,12,'same'],[4,16,16,16,16,'same']];
let worst = 0;
for (const [N, H, W, C, CO, pad] of cases) {
  const xs = tf.tidy(() => tf.randomNormal([N, H, W, C], 0, 1, 'float32', 1));
  const ws = tf.tidy(() => tf.randomNormal([3, 3, C, CO], 0, 1, 'float32', 2));
  const xa = await xs.array(), wa = await ws.array();
  const run = async (b) => { await tf.setBackend(b); const x = tf.tensor(xa), w = tf.tensor(wa);
    const [dw] = tf.grads((w) => tf.sum(tf.square(tf.conv2d(x, w, 1, pad))))([w]);
    return await dw.data(); };
  const c = await run('cpu'), g = await run('wasm');
  let m = 0, sc = 0; for (let i = 0; i < c.length; i++) { m = Math.max(m, Math.abs(c[i] - g[i])); sc = Math.max(sc, Math.abs(c[i])); }
  worst = Math.max(worst, m / sc);
  console.log(JSON.stringify([N, H, W, C, CO, pad]), 'dw rel', (m / sc).toExponential(2));
}
console.log('worst', worst.toExponential(2));
