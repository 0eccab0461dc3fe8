// U-Net step throughput on one backend, with an optional per-kernel time profile: the measurement behind the
// figures in packages/runtime/README.md ("native" engine). After a build:
//   node apps/bench/scripts/native-step.mjs native mnist-fast 16 [--profile] [--reps=N] [--no-fused] [--drop=KERNEL,...] [--ab=KERNEL,...]
// Besides wall time it prints the process's CPU time per pass (user + system, all threads), which a busy
// machine disturbs far less. --no-fused drops the fused EDM2 kernels (mp_silu(+mod), normalize, clip grad, weight norm, mp_cat, mp_sum, 2x resampling; native and wasm engines).
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import { createEdm2Unet, getUnetPreset } from '@flow/unet-edm2';

const [backend = 'native', preset = 'mnist-fast', batchArg = '16'] = process.argv.slice(2);
const profile = process.argv.includes('--profile');
const reps = Number(process.argv.find((a) => a.startsWith('--reps='))?.slice(7) ?? 5);
const batch = Number(batchArg);
const info = await initBackend(backend);
if (process.argv.includes('--no-fused')) for (const k of ['FlowMpSilu', 'FlowMpSiluGrad', 'FlowRowNormalize', 'FlowRowNormalizeGrad', 'FlowClipByValueGrad', 'FlowWeightNorm', 'FlowWeightNormGrad', 'FlowMpCat', 'FlowMpCatGrad', 'FlowMpSum', 'FlowMpSiluMod', 'FlowMpSiluModGrad', 'FlowDown2x', 'FlowUp2x']) if (tf.getKernel(k, 'wasm')) tf.unregisterKernel(k, 'wasm');
// --drop=K1,K2 drops just those kernels (A/B of one fusion in the same run).
const drop = process.argv.find((a) => a.startsWith('--drop='))?.slice(7).split(',') ?? [];
for (const k of drop) if (tf.getKernel(k, 'wasm')) tf.unregisterKernel(k, 'wasm');
// --ab=K1,K2 times every pass with and without those kernels in alternation, in one process: the host's speed
// drifts by tens of percent over minutes, so only interleaved runs compare fairly.
const abConfigs = (process.argv.find((a) => a.startsWith('--ab='))?.slice(5).split(',') ?? []).map((k) => tf.getKernel(k, 'wasm')).filter(Boolean);
const setWith = (on) => {
  for (const c of abConfigs) {
    const has = tf.getKernel(c.kernelName, 'wasm') !== undefined;
    if (on && !has) tf.registerKernel(c);
    if (!on && has) tf.unregisterKernel(c.kernelName, 'wasm');
  }
};
console.error(`backend: ${info.reason}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const config = getUnetPreset(preset).config;
const net = createEdm2Unet(config, { seed: 0 });
for (const [name, v] of Object.entries(net.variables)) if (name.endsWith('_gain')) v.assign(tf.scalar(1));
const vars = net.trainableVariables();
const rng = new Rng(batch);
const shape = [batch, config.resolution, config.resolution, config.channels];
const x = tf.tensor(rng.fillNormal(new Float32Array(batch * config.resolution ** 2 * config.channels)), shape);
const target = tf.tensor(rng.fillNormal(new Float32Array(x.size)), shape);
const t = tf.tensor1d(rng.fillUniform(new Float32Array(batch)));
const passes = {
  forward: () => [tf.tidy(() => net.forward(x, t))],
  'forward+backward': () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(net.forward(x, t), target))), vars);
    return [value, ...Object.values(grads)];
  },
};
if (abConfigs.length === 0) {
  for (const [pass, fn] of Object.entries(passes)) await timePass(pass, fn);
} else {
  for (const [pass, fn] of Object.entries(passes)) {
    const best = { with: Infinity, without: Infinity };
    for (let r = 0; r <= reps; r++) {
      for (const v of ['with', 'without']) {
        setWith(v === 'with');
        const t0 = performance.now();
        const out = fn();
        await Promise.all(out.map((o) => o.data()));
        const dt = (performance.now() - t0) / 1000;
        out.forEach((o) => o.dispose());
        if (r > 0) best[v] = Math.min(best[v], dt);
      }
    }
    setWith(true);
    console.log(`${backend} ${preset} batch ${batch} ${pass}, A/B of ${abConfigs.map((c) => c.kernelName).join(',')}: with ${(best.with * 1e3).toFixed(1)} ms, without ${(best.without * 1e3).toFixed(1)} ms (without / with ${(best.without / best.with).toFixed(3)})`);
  }
}

async function timePass(pass, fn) {
  let best = Infinity;
  let bestCpu = Infinity;
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const out = fn();
    await Promise.all(out.map((o) => o.data()));
    const dt = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    out.forEach((o) => o.dispose());
    if (r > 0) {
      best = Math.min(best, dt);
      bestCpu = Math.min(bestCpu, (c.user + c.system) / 1e6);
    }
  }
  console.log(`${backend} ${preset} batch ${batch} ${pass}: ${(best * 1e3).toFixed(1)} ms, ${(batch / best).toFixed(1)} img/s; CPU ${(bestCpu * 1e3).toFixed(0)} ms per pass`);
  if (profile) {
    const p = await tf.profile(() => fn());
    const byKernel = new Map();
    const count = new Map();
    for (const k of p.kernels) {
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + k.kernelTimeMs);
      count.set(k.name, (count.get(k.name) ?? 0) + 1);
    }
    const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
    // 'unnamed scope' is a customGrad op: its time includes the kernel it runs.
    console.log(`  ${p.kernels.length} kernels, ${total.toFixed(0)} ms kernel time: ` + [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOPK ?? 16)).map(([k, ms]) => `${k} ${ms.toFixed(1)} (${count.get(k)})`).join(', '));
    p.result.forEach?.((o) => o.dispose());
  }
}
