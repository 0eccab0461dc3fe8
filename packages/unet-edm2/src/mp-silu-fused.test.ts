import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import { isNativeAvailable, nativeUnavailableReason } from '@flow/native';
import { mpSilu } from './mp-ops';

// The fused mp_silu kernels of the runtime's native engine against the composite on the cpu backend, values and
// gradients. Tolerance: |fused - cpu| <= 1e-5 (1 + |cpu|) per element (one float32 sigmoid vs tfjs's).
const available = isNativeAvailable();
if (!available) console.warn(`fused mp_silu test skipped: ${nativeUnavailableReason()}`);
const suite = available ? describe : describe.skip;

suite('mpSilu on the native engine (fused kernels)', () => {
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

  it('matches the composite on cpu, values and gradient; plain wasm falls back to the composite', async () => {
    const cpu = await on('cpu');
    const native = await on('native');
    expect(native.fused).toBe(true);
    expect(cpu.fused).toBe(false);
    for (const [a, b, label] of [[native.y, cpu.y, 'value'], [native.dx, cpu.dx, 'gradient']] as const) {
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
      if (!(worst <= 1e-5)) throw new Error(`${label}: worst relative difference ${worst}`);
    }
    const wasm = await on('wasm');
    expect(wasm.fused).toBe(false);
  });
});
