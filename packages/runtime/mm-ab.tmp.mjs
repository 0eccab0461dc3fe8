import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './dist/index.js';
await initBackend('wasm');
const cases = JSON.parse(process.argv[2]);
const env = process.argv[3] ?? 'MM_PAD';
for (const [ash, bsh, ta, tb] of cases) {
  const a = tf.randomNormal(ash), b = tf.randomNormal(bsh);
  const f = () => tf.matMul(a, b, ta, tb);
  process.env[env] = '0'; const r0 = f(); process.env[env] = '1'; const r1 = f();
  const diff = tf.max(tf.abs(tf.sub(r0, r1))).dataSync()[0]; r0.dispose(); r1.dispose();
  const best = { '0': Infinity, '1': Infinity };
  const o = f(); const kk = ta ? ash[ash.length - 2] : ash[ash.length - 1]; const flops = 2 * o.size * kk; o.dispose();
  const reps = Math.max(3, Math.round(2e8 / flops));
  for (let round = 0; round < 10; round++) for (const v of ['0', '1']) {
    process.env[env] = v; f().dispose();
    const t0 = performance.now(); for (let i = 0; i < reps; i++) f().dispose(); best[v] = Math.min(best[v], (performance.now() - t0) / reps);
  }
  console.log(JSON.stringify([ash, bsh, ta, tb]), `off ${best['0'].toFixed(3)} ms on ${best['1'].toFixed(3)} ms (${(flops / best['1'] / 1e6).toFixed(1)} GFLOP/s) maxdiff ${diff}`);
}
