import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './dist/index.js';
await initBackend('wasm');
const cases = JSON.parse(process.argv[2]);
for (const [ash, bsh, ta, tb] of cases) {
  const a = tf.randomNormal(ash), b = tf.randomNormal(bsh);
  const f = () => tf.matMul(a, b, ta, tb);
  const run = (n) => { const t0 = performance.now(); for (let i = 0; i < n; i++) f().dispose(); return (performance.now() - t0) / n; };
  run(10);
  let best = Infinity;
  for (let r = 0; r < 10; r++) best = Math.min(best, run(10));
  const o = f(); const kk = ta ? ash[ash.length - 2] : ash[ash.length - 1]; const flops = 2 * o.size * kk; o.dispose();
  console.log(JSON.stringify([ash, bsh, ta, tb]), best.toFixed(3), 'ms', (flops / best / 1e6).toFixed(1), 'GFLOP/s');
}
