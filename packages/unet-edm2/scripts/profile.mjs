// Per-kernel time of one forward and one forward+backward pass of a preset (default mnist-tiny, batch 32) on a
// backend (default wasm). Usage (after `npx tsup` here and in packages/runtime):
//   node scripts/profile.mjs [preset] [batch] [backend]      (under `flock /tmp/bench.lock` on shared machines)
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@flow/runtime';
import { Rng } from '@flow/random';
import { createEdm2Unet, getUnetPreset } from '../dist/index.js';

const preset = process.argv[2] ?? 'mnist-tiny';
const batch = Number(process.argv[3] ?? 32);
const backend = process.argv[4] ?? 'wasm';
await initBackend(backend);
const { config } = getUnetPreset(preset);
const net = createEdm2Unet(config, { seed: 0 });
for (const [name, v] of Object.entries(net.variables)) if (name.endsWith('_gain')) v.assign(tf.scalar(1));
const rng = new Rng(1);
const shape = [batch, config.resolution, config.resolution, config.channels];
const x = tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b))), shape);
const target = tf.tensor(rng.fillNormal(new Float32Array(x.size)), shape);
const t = tf.tensor1d(rng.fillUniform(new Float32Array(batch)));
const vars = net.trainableVariables();
const fwd = () => [tf.tidy(() => net.forward(x, t))];
const fb = () => {
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.forward(x, t), target))), vars);
  return [value, ...Object.values(grads)];
};
for (const [label, fn] of [['forward', fwd], ['forward+backward', fb]]) {
  fn().forEach((y) => { y.dataSync(); y.dispose(); }); // warm-up
  const t0 = performance.now();
  fn().forEach((y) => { y.dataSync(); y.dispose(); });
  const wall = (performance.now() - t0) / 1e3;
  const info = await tf.profile(() => { fn().forEach((y) => { y.dataSync(); y.dispose(); }); });
  const by = new Map();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = by.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += ms; e.n++;
    by.set(k.name, e);
  }
  const total = [...by.values()].reduce((a, e) => a + e.ms, 0);
  console.log(`${preset} batch ${batch} ${backend} ${label}: wall ${wall.toFixed(3)} s (${(batch / wall).toFixed(1)} images/s), kernels ${(total / 1e3).toFixed(3)} s`);
  for (const [name, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
    console.log(`  ${name.padEnd(28)} ${(e.ms / 1e3).toFixed(3)} s  x${e.n}`);
  }
  if (process.argv.includes('--detail')) {
    const top = info.kernels.filter((k) => typeof k.kernelTimeMs === 'number').sort((a, b) => b.kernelTimeMs - a.kernelTimeMs).slice(0, 20);
    for (const k of top) console.log(`    ${k.name} ${k.kernelTimeMs.toFixed(1)} ms in ${JSON.stringify(k.inputShapes)} out ${JSON.stringify(k.outputShapes)}`);
  }
}
