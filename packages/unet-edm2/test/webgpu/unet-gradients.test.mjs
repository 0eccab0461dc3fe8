// The EDM2 U-Net's loss and every weight gradient on the webgpu backend equal the cpu backend's within float32
// tolerance (relative 1e-3 of the largest entry of each tensor), on whatever WebGPU adapter answers; in CI,
// Mesa's software Vulkan driver. Reads are async (await data()): tfjs-webgpu cannot read synchronously in Node.
// Run by tools/webgpu-runtime/run-tests.mjs against the built packages.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@flow/runtime';
import { Rng } from '@flow/random';
import { createEdm2Unet, defaultUnetConfig } from '../../dist/index.js';

const config = defaultUnetConfig({
  resolution: 8,
  channels: 2,
  labelDim: 3,
  modelChannels: 8,
  channelMult: [1, 2],
  numBlocks: 1,
  attnResolutions: [4],
  channelsPerHead: 8,
  logvarChannels: 8,
  config: 'G',
});

function normal(shape, seed) {
  return tf.tensor(new Rng(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);
}

async function lossAndGrads(backend) {
  const info = await initBackend(backend);
  assert.equal(info.backend, backend);
  const net = createEdm2Unet(config, { seed: 2 });
  // Zero-initialised gains block every gradient behind them at step 0 (as in EDM2): give them a value.
  for (const [name, v] of Object.entries(net.variables)) if (name.endsWith('_gain')) v.assign(tf.scalar(0.5));
  const x = normal([2, 8, 8, 2], 4);
  const target = normal([2, 8, 8, 2], 5);
  const labels = tf.cast(tf.oneHot(tf.tensor1d([1, 2], 'int32'), 3), 'float32');
  const t = tf.tensor1d([0.25, 0.8]);
  const byId = new Map(Object.entries(net.variables).map(([k, v]) => [v.name, k]));
  const { value, grads } = tf.variableGrads(
    () => tf.add(tf.mean(tf.square(tf.sub(net.forward(x, t, labels), target))), tf.mean(net.logVariance(t))),
    net.trainableVariables(),
  );
  const out = { loss: (await value.data())[0], grads: {} };
  for (const [id, g] of Object.entries(grads)) out.grads[byId.get(id)] = await g.data();
  net.dispose();
  tf.dispose([x, target, labels, t, value, ...Object.values(grads)]);
  return out;
}

export const tests = [
  {
    name: 'U-Net forward+backward on webgpu equals cpu (loss and every gradient)',
    async run() {
      const cpu = await lossAndGrads('cpu');
      const gpu = await lossAndGrads('webgpu');
      assert.ok(Math.abs(gpu.loss - cpu.loss) <= 1e-4 * Math.max(1, Math.abs(cpu.loss)), `loss ${gpu.loss} vs ${cpu.loss}`);
      const names = Object.keys(cpu.grads);
      assert.ok(names.length > 40, `only ${names.length} gradients`);
      assert.deepEqual(Object.keys(gpu.grads).sort(), names.sort());
      for (const name of names) {
        const a = cpu.grads[name];
        const b = gpu.grads[name];
        let scale = 0;
        let diff = 0;
        for (let i = 0; i < a.length; i++) {
          scale = Math.max(scale, Math.abs(a[i]));
          diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assert.ok(scale > 0, `${name}: zero gradient on cpu`);
        assert.ok(diff <= 1e-3 * scale, `${name}: max |webgpu - cpu| ${diff} vs largest entry ${scale}`);
      }
    },
  },
];
