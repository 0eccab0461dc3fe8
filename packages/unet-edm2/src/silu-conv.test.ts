import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import { createEdm2Unet } from './edm2-unet';
import { defaultUnetConfig } from './config';

// conv(mp_silu(x)) as one kernel of the runtime's wasm engine (silu-conv.ts) against the unfused pair, bit for
// bit, in a file of its own: a backend brought up before (fused-ops.test.ts starts the native engine first) keeps
// the wasm engine off tfjs's heap, where the fused path does not run.
describe('the wasm engine: convs of mp_silu as one kernel (FlowMpSiluConv2D) with its gradient', () => {
  it('gives the unfused forward pass, loss and every weight gradient bit for bit', async () => {
    // This file's own tfjs: the wasm backend comes up on the shared heap, where the fused path runs.
    expect((await initBackend('wasm')).reason).toMatch(/on tfjs's heap/);
    const config = defaultUnetConfig({ resolution: 8, channels: 1, modelChannels: 8, channelMult: [1, 2], numBlocks: 1, attnResolutions: [4], channelsPerHead: 8 });
    const net = createEdm2Unet(config, { seed: 0 });
    for (const [name, v] of Object.entries(net.variables)) if (name.endsWith('_gain')) v.assign(tf.scalar(1));
    const x = tf.tensor(new Rng(6).fillNormal(new Float32Array(2 * 8 * 8)), [2, 8, 8, 1]) as tf.Tensor4D;
    const t = tf.tensor1d([0.3, 0.8]);
    const run = async () => {
      const p = await tf.profile(() => net.forward(x, t));
      const y = (p.result as tf.Tensor).dataSync();
      (p.result as tf.Tensor).dispose();
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(x, t))) as tf.Scalar, net.trainableVariables());
      const out = { y, fusedCalls: p.kernels.filter((k) => k.name === 'FlowMpSiluConv2D').length, loss: value.dataSync(), grads: Object.values(grads).map((g) => g.dataSync()) };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    // Count the filter gradients that read the conv's own padded x (keepPadded) instead of activating x again.
    const filterGrad = tf.getKernel('FlowMpSiluConv2DBackpropFilter', 'wasm')!;
    let fromPadded = 0;
    tf.unregisterKernel(filterGrad.kernelName, 'wasm');
    tf.registerKernel({ ...filterGrad, kernelFunc: (a) => ((fromPadded += a.inputs.padded ? 1 : 0), filterGrad.kernelFunc(a)) });
    const fused = await run().finally(() => {
      tf.unregisterKernel(filterGrad.kernelName, 'wasm');
      tf.registerKernel(filterGrad);
    });
    // Each residual block's two 3x3 convs: 4 blocks in the encoder, 6 in the decoder of this config at least.
    expect(fused.fusedCalls).toBeGreaterThanOrEqual(8);
    // The 8x8 and 4x4 convs (Winograd filter gradients from 16 output pixels an image with the default tiling).
    expect(fromPadded).toBeGreaterThanOrEqual(8);
    const kernel = tf.getKernel('FlowMpSiluConv2D', 'wasm')!;
    tf.unregisterKernel('FlowMpSiluConv2D', 'wasm');
    try {
      const unfused = await run();
      expect(unfused.fusedCalls).toBe(0);
      const bits = (a: ArrayLike<number>) => Buffer.from(Float32Array.from(a).buffer);
      expect(bits(fused.y).equals(bits(unfused.y))).toBe(true);
      expect(bits(fused.loss).equals(bits(unfused.loss))).toBe(true);
      expect(fused.grads.length).toBe(unfused.grads.length);
      fused.grads.forEach((g, j) => expect([j, bits(g).equals(bits(unfused.grads[j]!))]).toEqual([j, true]));
    } finally {
      tf.registerKernel(kernel);
      tf.dispose([x, t]);
    }
  });
});
