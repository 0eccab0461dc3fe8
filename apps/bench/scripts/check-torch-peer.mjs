#!/usr/bin/env node
// Checks that the PyTorch peer of `flow-bench train` (python/edm2_unet_peer.py) is the same network as
// @flow/unet-edm2: our weights (gains opened to 1, as the benchmark does), one input and our output go to the
// script, which loads the weights into its own network and reports the largest output difference.
// Needs the workspace built and python3 with torch. Run: node apps/bench/scripts/check-torch-peer.mjs [preset ...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { ndarray, writeNpz } from '@flow/io';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import { countParameters, createEdm2Unet, getUnetPreset } from '@flow/unet-edm2';

const here = dirname(fileURLToPath(import.meta.url));
const python = process.env.FLOW_BENCH_PYTHON ?? '/usr/bin/python3';
await initBackend('cpu');
const tmp = mkdtempSync(join(tmpdir(), 'flow-torch-check-'));
let worst = 0;
try {
  for (const preset of process.argv.slice(2).length ? process.argv.slice(2) : ['mnist-fast', 'cifar10-small']) {
    const config = getUnetPreset(preset).config;
    const net = createEdm2Unet(config, { seed: 0 });
    for (const [name, v] of Object.entries(net.variables)) if (name.endsWith('_gain')) v.assign(tf.scalar(1));
    const batch = 3;
    const rng = new Rng(1);
    const shape = [batch, config.resolution, config.resolution, config.channels];
    const x = tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b))), shape);
    const t = tf.tensor1d([0.1, 0.5, 0.9]);
    const y = net.forward(x, t);
    const arrays = { 'io.x': ndarray('float32', shape, x.dataSync()), 'io.t': ndarray('float32', [batch], t.dataSync()), 'io.y': ndarray('float32', shape, y.dataSync()) };
    for (const [name, v] of [...Object.entries(net.variables), ...Object.entries(net.buffers)]) arrays[name] = ndarray('float32', v.shape, v.dataSync());
    const file = join(tmp, `${preset}.npz`);
    writeNpz(file, arrays);
    const r = spawnSync(python, [join(here, '../python/edm2_unet_peer.py'), 'check', JSON.stringify(config), file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`peer check failed: ${r.stderr}`);
    const res = JSON.parse(r.stdout.trim().split('\n').pop());
    const rel = res.max_abs_diff / res.max_abs_ref;
    worst = Math.max(worst, rel);
    console.log(`${preset}: parameters ours ${countParameters(config)}, PyTorch ${res.parameters}; max |ours - PyTorch| ${res.max_abs_diff.toExponential(2)} (${rel.toExponential(2)} of max |output|)${res.unused_ts_tensors.length ? `; TS tensors not loaded: ${res.unused_ts_tensors.join(', ')}` : ''}`);
    if (res.parameters !== countParameters(config) || res.unused_ts_tensors.length) process.exitCode = 1;
    net.dispose();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
// float32 on both sides, different summation orders: agreement to ~1e-5 of the output's scale.
if (worst > 1e-4) process.exitCode = 1;
