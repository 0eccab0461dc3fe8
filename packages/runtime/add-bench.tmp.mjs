import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './dist/index.js';
await initBackend('wasm');
const a = tf.randomNormal([16,32,32,64]), b = tf.randomNormal([16,32,32,64]);
for (const [name, f] of Object.entries({ add: () => tf.add(a, b), mul: () => tf.mul(a, b), mulS: () => tf.mul(a, 2) })) {
  const run = (n) => { const t0 = performance.now(); for (let i = 0; i < n; i++) f().dispose(); return (performance.now() - t0) / n; };
  run(5); let best = Infinity; for (let r = 0; r < 8; r++) best = Math.min(best, run(5));
  console.log(name, best.toFixed(3), 'ms');
}
