import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@flow/random';
import { countParameters, createEdm2Unet, flowPrecondScalar, defaultUnetConfig, getUnetPreset, type Edm2ConfigLetter, type UnetConfig } from './index';
import { gradientsAvailable } from '../test/gradients';

const itGrad = gradientsAvailable() ? it : it.skip;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A small class-conditional config that still has every kind of block (down, up, attention, skips). */
function tiny(config: Edm2ConfigLetter, labelDim = 0): UnetConfig {
  return defaultUnetConfig({
    resolution: 8,
    channels: 2,
    labelDim,
    modelChannels: 8,
    channelMult: [1, 2],
    numBlocks: 1,
    attnResolutions: [4],
    channelsPerHead: 8,
    logvarChannels: 8,
    config,
  });
}

function normal(shape: number[], seed: number): tf.Tensor {
  const data = new Rng(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)));
  return tf.tensor(data, shape);
}

describe('Edm2Unet', () => {
  it.each(['C', 'E', 'G'] as const)('config %s: output shape, variables match the count, no leaks', (letter) => {
    const before = tf.memory().numTensors;
    const net = createEdm2Unet(tiny(letter, 3), { seed: 1 });
    const allocated = tf.memory().numTensors;
    const n = Object.values(net.variables).reduce((s, v) => s + v.size, 0);
    expect(n).toBe(countParameters(net.config));
    expect(net.parameterCount).toBe(n);
    const x = normal([2, 8, 8, 2], 2);
    const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3), 'float32') as tf.Tensor2D);
    const t = tf.tensor1d([0.2, 0.7]);
    const inputs = tf.memory().numTensors;
    const v = net.forward(x, t, labels);
    expect(v.shape).toEqual([2, 8, 8, 2]);
    expect(Array.from(v.dataSync()).every(Number.isFinite)).toBe(true);
    v.dispose();
    const u = net.logVariance(t);
    expect(u.shape).toEqual([2]);
    u.dispose();
    // The first passes outside a gradient tape keep each layer's applied weight (one per layer with a number
    // gain); later passes reuse them and allocate nothing that stays.
    const cached = tf.memory().numTensors - inputs;
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThanOrEqual(net.trainableVariables().length);
    net.forward(x, t, labels).dispose();
    net.logVariance(t).dispose();
    expect(tf.memory().numTensors).toBe(inputs + cached);
    x.dispose();
    t.dispose();
    labels.dispose();
    expect(tf.memory().numTensors).toBe(allocated + cached);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sampling keeps applied weights only while the stored ones are unchanged; under a gradient tape none are kept', () => {
    // Gains opened: at init G's output gain is 0 and the output does not depend on the weights.
    const open = (m: ReturnType<typeof createEdm2Unet>) => {
      for (const [n, g] of Object.entries(m.variables)) if (n.endsWith('_gain')) g.assign(tf.scalar(1));
      return m;
    };
    const net = open(createEdm2Unet(tiny('G'), { seed: 2 }));
    const fresh = () => open(createEdm2Unet(tiny('G'), { seed: 2 }));
    const x = normal([2, 8, 8, 2], 3);
    const t = tf.tensor1d([0.4, 0.6]);
    const forward = (m: typeof net) => tf.tidy(() => m.forward(x, t).dataSync());
    const first = forward(net);
    expect(Array.from(forward(net))).toEqual(Array.from(first));
    // An optimiser-like update: the next pass must see it, as a net built with the updated weights does.
    const name = 'unet.enc.8x8_block0.conv_res0.weight';
    const v = net.variables[name]!;
    const updated = tf.tidy(() => tf.reverse(v, [0]));
    v.assign(updated);
    const other = fresh();
    other.variables[name]!.assign(updated);
    updated.dispose();
    const after = forward(net);
    expect(Array.from(after)).toEqual(Array.from(forward(other)));
    expect(Array.from(after)).not.toEqual(Array.from(first));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.mean(net.forward(x, t)) as tf.Scalar, net.trainableVariables());
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, t]);
    [net, other].forEach((m) => m.dispose());
  });

  it('same seed, same weights and output; another seed differs', () => {
    const a = createEdm2Unet(tiny('G'), { seed: 5 });
    const b = createEdm2Unet(tiny('G'), { seed: 5 });
    const c = createEdm2Unet(tiny('G'), { seed: 6 });
    const name = 'unet.enc.8x8_block0.conv_res0.weight';
    expect(Array.from(a.variables[name].dataSync())).toEqual(Array.from(b.variables[name].dataSync()));
    expect(Array.from(a.variables[name].dataSync())).not.toEqual(Array.from(c.variables[name].dataSync()));
    [a, b, c].forEach((n) => n.dispose());
  });

  it('G at init: output gain 0 makes F = 0, so v = c_skip x_t', () => {
    const net = createEdm2Unet(tiny('G'), { seed: 1 });
    const x = normal([2, 8, 8, 2], 3);
    const t = 0.3;
    const v = net.forward(x, t);
    const sd = net.config.sigmaData;
    const cSkip = (t * sd * sd - (1 - t)) / ((1 - t) ** 2 + t * t * sd * sd);
    const expected = tf.mul(x, cSkip);
    expect(tf.max(tf.abs(tf.sub(v, expected))).dataSync()[0]).toBeLessThan(1e-6);
    net.dispose();
  });

  itGrad('gradients reach every trainable variable (G, after the zero gains move)', () => {
    const net = createEdm2Unet(tiny('G', 3), { seed: 2 });
    // Zero-initialised gains block the gradient of everything behind them at step 0, exactly as in EDM2;
    // give them a value so every path is live.
    for (const [name, v] of Object.entries(net.variables)) if (name.endsWith('_gain')) v.assign(tf.scalar(0.5));
    const x = normal([2, 8, 8, 2], 4);
    const target = normal([2, 8, 8, 2], 5);
    const labels = tf.cast(tf.oneHot(tf.tensor1d([1, 2], 'int32'), 3), 'float32') as tf.Tensor2D;
    const t = tf.tensor1d([0.25, 0.8]);
    const { grads } = tf.variableGrads(() => {
      const v = net.forward(x, t, labels);
      return tf.add(tf.mean(tf.square(tf.sub(v, target))), tf.mean(net.logVariance(t))) as tf.Scalar;
    }, net.trainableVariables());
    const names = Object.keys(net.variables);
    const byId = new Map(Object.entries(net.variables).map(([k, v]) => [v.name, k]));
    expect(Object.keys(grads).length).toBe(names.length);
    for (const [id, g] of Object.entries(grads)) {
      const norm = tf.sqrt(tf.sum(tf.square(g))).dataSync()[0];
      if (!(norm > 0 && Number.isFinite(norm))) throw new Error(`no gradient for ${byId.get(id)}: ${norm}`);
    }
    net.dispose();
  });

  itGrad.each(['C', 'E'] as const)('gradients reach every trainable variable (%s)', (letter) => {
    const net = createEdm2Unet(tiny(letter), { seed: 2 });
    const x = normal([2, 8, 8, 2], 4);
    const t = tf.tensor1d([0.25, 0.8]);
    const { grads } = tf.variableGrads(() => tf.add(tf.mean(tf.square(net.forward(x, t))), tf.mean(net.logVariance(t))) as tf.Scalar, net.trainableVariables());
    expect(Object.keys(grads).length).toBe(Object.keys(net.variables).length);
    for (const g of Object.values(grads)) expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    net.dispose();
  });

  it('forced weight normalisation sets unit RMS per output channel and leaves the output unchanged', () => {
    const net = createEdm2Unet(tiny('G'), { seed: 3 });
    for (const [name, v] of Object.entries(net.variables)) if (name.endsWith('_gain')) v.assign(tf.scalar(1));
    const w = net.variables['unet.enc.4x4_block0.conv_res0.weight'];
    w.assign(tf.mul(w, 3));
    const x = normal([1, 8, 8, 2], 6);
    const before = net.forward(x, 0.5).dataSync();
    net.forceWeightNorm();
    const rms = tf.sqrt(tf.mean(tf.square(w), [0, 1, 2])).dataSync();
    for (const r of rms) expect(r).toBeCloseTo(1, 3);
    const after = net.forward(x, 0.5).dataSync();
    for (let i = 0; i < before.length; i++) expect(Math.abs(after[i] - before[i])).toBeLessThan(1e-3 * (1 + Math.abs(before[i])));
    net.dispose();
  });

  it('bad input: wrong image shape, labels on an unconditional net', () => {
    const net = createEdm2Unet(tiny('G'), { seed: 1 });
    expect(() => net.forward(tf.zeros([1, 4, 4, 2]), 0.5)).toThrow(/expected shape \[batch, 8, 8, 2\]/);
    expect(() => net.forward(tf.zeros([1, 8, 8, 2]), 0.5, tf.zeros([1, 3]) as tf.Tensor2D)).toThrow(/unconditional/);
    net.dispose();
  });

  it('the MNIST preset runs forward (28x28x1 -> 28x28x1)', () => {
    // Forward only: tfjs-backend-cpu's Conv2DBackpropFilter is far too slow for a test at this size.
    const net = createEdm2Unet(getUnetPreset('mnist-tiny').config, { seed: 0 });
    const x = normal([1, 28, 28, 1], 1);
    const v = net.forward(x, 0.5);
    expect(v.shape).toEqual([1, 28, 28, 1]);
    net.dispose();
  });

  it('magnitude preservation: G at init keeps unit-variance activations through the network', () => {
    const net = createEdm2Unet(tiny('G'), { seed: 7 });
    // With the output gain at 1 instead of 0 the raw output of a unit-variance input has about unit RMS.
    net.variables['unet.out_gain'].assign(tf.scalar(1));
    const x = normal([8, 8, 8, 2], 8);
    const y = net.raw(x as tf.Tensor4D, tf.zeros([8]) as tf.Tensor1D);
    const rms = tf.sqrt(tf.mean(tf.square(y))).dataSync()[0];
    expect(rms).toBeGreaterThan(0.5);
    expect(rms).toBeLessThan(2);
    net.dispose();
  });
});

describe('Edm2Unet attention', () => {
  it.each([
    ['one head', 16],
    ['two heads', 8],
    ['four heads', 4],
  ] as const)('equals the official rank-5 split of the qkv activations (%s)', (_label, channelsPerHead) => {
    const config = defaultUnetConfig({ ...tiny('G'), channelsPerHead });
    const net = createEdm2Unet(config, { seed: 4 });
    const block = net.layout.encoder.find((b) => b.heads !== 0)!;
    const c = block.cout;
    const x = normal([3, 4, 4, c], 9) as tf.Tensor4D;
    const got = tf.tidy(() => (net as unknown as { attention(x: tf.Tensor4D, b: unknown): tf.Tensor }).attention(x, block).arraySync());
    // Reference: networks_edm2.py's formulation, qkv reshaped to [n, hw, heads, cph, 3] and split on the last axis.
    const want = tf.tidy(() => {
      const [n, h, w] = x.shape;
      const heads = block.heads;
      const cph = c / heads;
      const wq = net.variables[`${block.name}.attn_qkv.weight`];
      const we = tf.mul(tf.div(wq, tf.add(tf.mul(tf.sqrt(tf.sum(tf.square(wq), [0, 1, 2], true)), 1 / Math.sqrt(c)), 1e-4)), 1 / Math.sqrt(c));
      const qkv = tf.reshape(tf.matMul(tf.reshape(x, [n * h * w, c]), tf.reshape(we, [c, 3 * c])), [n, h * w, heads, cph, 3]);
      const normed = tf.div(qkv, tf.add(tf.mul(tf.sqrt(tf.sum(tf.square(qkv), 3, true)), 1 / Math.sqrt(cph)), 1e-4));
      const [q, k, v] = tf.split(normed, 3, 4).map((p) => tf.reshape(tf.transpose(tf.reshape(p, [n, h * w, heads, cph]), [0, 2, 1, 3]), [n * heads, h * w, cph]));
      const att = tf.softmax(tf.mul(tf.matMul(q as tf.Tensor3D, k as tf.Tensor3D, false, true), 1 / Math.sqrt(cph)));
      const y = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v as tf.Tensor3D), [n, heads, h * w, cph]), [0, 2, 1, 3]), [n * h * w, c]);
      const wp = net.variables[`${block.name}.attn_proj.weight`];
      const pe = tf.mul(tf.div(wp, tf.add(tf.mul(tf.sqrt(tf.sum(tf.square(wp), [0, 1, 2], true)), 1 / Math.sqrt(c)), 1e-4)), 1 / Math.sqrt(c));
      return tf.reshape(tf.matMul(y, tf.reshape(pe, [c, c])), [n, h, w, c]).arraySync();
    });
    const a = (got as number[][][][]).flat(3);
    const b = (want as number[][][][]).flat(3);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    x.dispose();
    net.dispose();
  });
});
