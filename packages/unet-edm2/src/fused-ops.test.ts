import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import { isNativeAvailable, nativeUnavailableReason } from '@flow/native';
import { downsample2x, mpCat, mpSilu, mpSiluModulated, mpSum, normalize, pixelNorm, upsample2x } from './mp-ops';
import { effectiveWeight, forcedNormalized } from './mp-conv';
import { createEdm2Unet } from './edm2-unet';
import { defaultUnetConfig } from './config';

// The fused kernels of the runtime's native engine (C) and wasm engine (TypeScript) (mp_silu, normalize over the
// last axis, weight normalisation, mp_cat, mp_sum, the modulated activation, 2x2 resampling) against the composite
// on the cpu backend, values and gradients. Tolerance: |fused - cpu| <= 1e-5 (1 + |cpu|) per element for the ops
// (float32 sums in another order); the whole network's loss and weight gradients within 1e-4 of their scale.
const available = isNativeAvailable();
if (!available) console.warn(`fused ops on the native engine skipped: ${nativeUnavailableReason()}`);
const engines = available ? ['native', 'wasm'] : ['wasm'];

function worstRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}

describe.each(engines)('fused ops on the %s engine', (engine) => {
  const data = new Rng(3).fillNormal(new Float32Array(2 * 9 * 9 * 16));
  const dyData = new Rng(4).fillNormal(new Float32Array(data.length));

  async function on(backend: string) {
    await initBackend(backend);
    return tf.tidy(() => {
      const x = tf.tensor(data, [2, 9, 9, 16]);
      const dy = tf.tensor(dyData, x.shape);
      const y = mpSilu(x);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(mpSilu(t), dy)))(x);
      return { y: y.dataSync(), dx: dx.dataSync(), fused: tf.getKernel('FlowMpSilu', tf.getBackend()) !== undefined };
    });
  }

  it('matches the composite on cpu, values and gradient', async () => {
    const cpu = await on('cpu');
    const got = await on(engine);
    expect(got.fused).toBe(true); // both engines register FlowMpSilu (wasm: vector-SIMD wasm on the heap)
    expect(cpu.fused).toBe(false);
    for (const [a, b, label] of [[got.y, cpu.y, 'value'], [got.dx, cpu.dx, 'gradient']] as const) {
      const worst = worstRelative(a, b);
      if (!(worst <= 1e-5)) throw new Error(`${label}: worst relative difference ${worst}`);
    }
  });

  it('normalize over the last axis (pixel norm, attention heads) matches the composite, values and gradient', async () => {
    const run = async (backend: string) => {
      await initBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor(data, [2, 81, 2, 8]); // [n, hw, heads, channels per head]
        const dy = tf.tensor(dyData, x.shape);
        const f = (t: tf.Tensor) => tf.add(tf.sum(tf.mul(normalize(t, [3]), dy)), tf.sum(tf.mul(pixelNorm(tf.reshape(t, [2, 9, 9, 16])), tf.reshape(dy, [2, 9, 9, 16]))));
        return { y: normalize(x, [3]).dataSync(), dx: tf.grad(f)(x).dataSync(), fused: tf.getKernel('FlowRowNormalize', tf.getBackend()) !== undefined };
      });
    };
    const cpu = await run('cpu');
    const got = await run(engine);
    expect(got.fused).toBe(true);
    expect(worstRelative(got.y, cpu.y)).toBeLessThanOrEqual(1e-5);
    expect(worstRelative(got.dx, cpu.dx)).toBeLessThanOrEqual(1e-5);
  });

  it('weight normalisation with its scale (number and tensor gain), forced normalisation, mp_cat and mp_sum match the composite, values and gradients', async () => {
    const wData = new Rng(6).fillNormal(new Float32Array(3 * 3 * 8 * 12));
    const run = async (backend: string) => {
      await initBackend(backend);
      return tf.tidy(() => {
        const w = tf.tensor(wData, [3, 3, 8, 12]);
        const w2 = tf.tensor(wData.subarray(0, 40 * 12), [40, 12]);
        const gain = tf.scalar(0.7);
        const a = tf.tensor(data.subarray(0, 2 * 9 * 9 * 6), [2, 9, 9, 6]);
        const b = tf.tensor(dyData.subarray(0, 2 * 9 * 9 * 10), [2, 9, 9, 10]);
        const b6 = tf.tensor(dyData.subarray(0, a.size), a.shape);
        const gw = tf.tensor(dyData.subarray(0, w.size), w.shape);
        const gw2 = tf.tensor(dyData.subarray(100, 100 + w2.size), w2.shape);
        const gc = tf.tensor(data.subarray(0, 2 * 9 * 9 * 16), [2, 9, 9, 16]);
        const wf = (v: tf.Tensor, v2: tf.Tensor, g: tf.Tensor) =>
          tf.addN([tf.sum(tf.mul(effectiveWeight(v, 72, 1.3, true), gw)), tf.sum(tf.mul(effectiveWeight(v, 72, g, true), tf.square(gw))), tf.sum(tf.mul(effectiveWeight(v2, 40, 1, true), gw2))]);
        const cf = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.add(tf.sum(tf.mul(mpCat(x, y, 0.3), gc)), tf.sum(tf.mul(mpSum(x, z, 0.3), tf.square(z))));
        const fused = ['FlowWeightNorm', 'FlowMpCat', 'FlowMpSum'].every((k) => tf.getKernel(k, tf.getBackend()) !== undefined);
        return {
          fused,
          outs: [effectiveWeight(w, 72, 1.3, true), forcedNormalized(w), mpCat(a, b, 0.3), mpSum(a, b6, 0.3), ...tf.grads(wf)([w, w2, gain]), ...tf.grads(cf)([a, b, b6])].map((t) => t.dataSync()),
        };
      });
    };
    const cpu = await run('cpu');
    const got = await run(engine);
    expect(got.fused).toBe(true);
    expect(cpu.fused).toBe(false);
    const labels = ['weight', 'forced', 'mpCat', 'mpSum', 'dweight', 'dweight 2-D', 'dgain', 'dcat a', 'dcat b', 'dsum b'];
    got.outs.forEach((o, i) => {
      const worst = worstRelative(o, cpu.outs[i]);
      if (!(worst <= 1e-5)) throw new Error(`${labels[i]}: worst relative difference ${worst}`);
    });
  });

  it('the modulated activation mp_silu(x c) and 2x2 down/upsampling match the composite, values and gradients', async () => {
    const run = async (backend: string) => {
      await initBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor(data.subarray(0, 2 * 6 * 6 * 16), [2, 6, 6, 16]) as tf.Tensor4D;
        const c = tf.tensor(dyData.subarray(0, 32), [2, 16]) as tf.Tensor2D;
        const g6 = tf.tensor(dyData.subarray(0, x.size), x.shape);
        const g3 = tf.tensor(dyData.subarray(100, 100 + x.size / 4), [2, 3, 3, 16]);
        const g12 = tf.tensor(new Rng(7).fillNormal(new Float32Array(x.size * 4)), [2, 12, 12, 16]);
        const f = (a: tf.Tensor, s: tf.Tensor) =>
          tf.addN([tf.sum(tf.mul(mpSiluModulated(a as tf.Tensor4D, s as tf.Tensor2D), g6)), tf.sum(tf.mul(downsample2x(a as tf.Tensor4D), g3)), tf.sum(tf.mul(upsample2x(a as tf.Tensor4D), g12))]);
        const fused = ['FlowMpSiluMod', 'FlowDown2x', 'FlowUp2x'].every((k) => tf.getKernel(k, tf.getBackend()) !== undefined);
        return { fused, outs: [mpSiluModulated(x, c), downsample2x(x), upsample2x(x), ...tf.grads(f)([x, c])].map((t) => t.dataSync()) };
      });
    };
    const cpu = await run('cpu');
    const got = await run(engine);
    expect(got.fused).toBe(true);
    expect(cpu.fused).toBe(false);
    ['modulated', 'down', 'up', 'dx', 'dc'].forEach((label, i) => {
      const worst = worstRelative(got.outs[i], cpu.outs[i]);
      if (!(worst <= 1e-5)) throw new Error(`${label}: worst relative difference ${worst}`);
    });
  });

  it('a small U-Net (8x8, attention at 4x4): loss and every weight gradient agree with the cpu backend', async () => {
    const config = defaultUnetConfig({ resolution: 8, channels: 1, modelChannels: 8, channelMult: [1, 2], numBlocks: 1, attnResolutions: [4], channelsPerHead: 8 });
    const xs = new Rng(5).fillNormal(new Float32Array(2 * 8 * 8));
    const run = async (backend: string) => {
      await initBackend(backend);
      const net = createEdm2Unet(config, { seed: 0 });
      for (const [name, v] of Object.entries(net.variables)) if (name.endsWith('_gain')) v.assign(tf.scalar(1));
      const x = tf.tensor(xs, [2, 8, 8, 1]) as tf.Tensor4D;
      const t = tf.tensor1d([0.3, 0.8]);
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(x, t))) as tf.Scalar, net.trainableVariables());
      const out = { loss: value.dataSync()[0], grads: Object.values(grads).map((g) => g.dataSync()) }; // same creation order
      tf.dispose([x, t, value, ...Object.values(grads)]);
      return out;
    };
    const cpu = await run('cpu');
    const got = await run(engine);
    expect(Math.abs(got.loss - cpu.loss)).toBeLessThanOrEqual(1e-4 * Math.abs(cpu.loss));
    expect(got.grads.length).toBe(cpu.grads.length);
    cpu.grads.forEach((g, j) => {
      let scale = 0;
      let diff = 0;
      const n = got.grads[j];
      for (let i = 0; i < g.length; i++) {
        scale = Math.max(scale, Math.abs(g[i]));
        diff = Math.max(diff, Math.abs(n[i] - g[i]));
      }
      if (!(diff <= 1e-4 * scale + 1e-7)) throw new Error(`gradient ${j}: max diff ${diff}, scale ${scale}`);
    });
  });
});
