import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './dist/index.js';
await initBackend('wasm');
const a = tf.randomNormal([16, 64]), b = tf.randomNormal([16, 64]);
for (let r = 0; r < 3; r++) {
  let t0 = performance.now(); for (let i = 0; i < 20000; i++) tf.add(a, b).dispose(); const add = (performance.now() - t0) / 20000;
  t0 = performance.now(); tf.tidy(() => { for (let i = 0; i < 20000; i++) tf.add(a, b); }); const tidy = (performance.now() - t0) / 20000;
  console.log(`add ${(add * 1e3).toFixed(1)} us, in tidy ${(tidy * 1e3).toFixed(1)} us`);
}
