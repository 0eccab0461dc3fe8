import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@flow/random';
import { registerWasmKernels } from '../src/register-wasm-kernels';
import { registerGradients } from '../src/register-gradients';
import { setConvChunkFloats } from '../src/wasm-threads/pack-panels';
import { expectClose, normals } from './compare';

type Pad = 'same' | 'valid' | number;
interface Case {
  n: number; h: number; w: number; cin: number; cout: number; kh: number; kw: number; stride: number | [number, number]; pad: Pad;
}

async function gradsOn(backend: string, c: Case, x: Float32Array, f: Float32Array, g: Float32Array) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.cin]);
    const ft = tf.tensor4d(f, [c.kh, c.kw, c.cin, c.cout]);
    const y = tf.conv2d(xt, ft, c.stride, c.pad);
    const gt = tf.tensor(g, y.shape);
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), gt)))([xt, ft]);
    return { y: Float32Array.from(y.dataSync()), yShape: y.shape, dx: Float32Array.from(dx.dataSync()), df: Float32Array.from(df.dataSync()) };
  });
}

const cases: Case[] = [
  { n: 2, h: 7, w: 9, cin: 3, cout: 5, kh: 3, kw: 3, stride: 1, pad: 'same' },
  { n: 1, h: 8, w: 8, cin: 4, cout: 6, kh: 3, kw: 3, stride: 1, pad: 'valid' },
  { n: 3, h: 9, w: 7, cin: 5, cout: 4, kh: 3, kw: 3, stride: 2, pad: 'same' },
  { n: 2, h: 10, w: 11, cin: 2, cout: 3, kh: 3, kw: 3, stride: 2, pad: 'valid' },
  { n: 2, h: 6, w: 6, cin: 8, cout: 16, kh: 1, kw: 1, stride: 1, pad: 'same' },
  { n: 2, h: 7, w: 5, cin: 6, cout: 3, kh: 1, kw: 1, stride: 2, pad: 'valid' },
  { n: 1, h: 12, w: 9, cin: 3, cout: 2, kh: 5, kw: 3, stride: [2, 1], pad: 'same' },
  { n: 2, h: 5, w: 6, cin: 2, cout: 3, kh: 3, kw: 3, stride: 1, pad: 2 },
  { n: 2, h: 8, w: 8, cin: 16, cout: 8, kh: 4, kw: 4, stride: 2, pad: 'same' },
  { n: 1, h: 1, w: 1, cin: 3, cout: 4, kh: 3, kw: 3, stride: 1, pad: 'same' },
  // Whole and partial filter panels (8 channels) in both the forward and the flipped (input gradient) packing.
  { n: 2, h: 6, w: 5, cin: 12, cout: 20, kh: 3, kw: 3, stride: 1, pad: 'same' },
];

describe('wasm Conv2DBackpropInput / Conv2DBackpropFilter vs cpu', () => {
  beforeAll(async () => {
    registerWasmKernels();
    registerGradients();
    await tf.setBackend('wasm');
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('conv2d and its gradients %s', async (_label, c) => {
    const rng = new Rng(7 + c.h * 31 + c.cin);
    const x = normals(rng, c.n * c.h * c.w * c.cin);
    const f = normals(rng, c.kh * c.kw * c.cin * c.cout);
    // dy must match the output shape; take it from a cpu forward pass.
    const yShape = tf.tidy(() => tf.conv2d(tf.zeros([c.n, c.h, c.w, c.cin]) as tf.Tensor4D, tf.zeros([c.kh, c.kw, c.cin, c.cout]) as tf.Tensor4D, c.stride, c.pad).shape);
    const g = normals(rng, yShape.reduce((a, b) => a * b, 1));
    const cpu = await gradsOn('cpu', c, x, f, g);
    const wasm = await gradsOn('wasm', c, x, f, g);
    expectClose(wasm.y, cpu.y, 'forward');
    expectClose(wasm.dx, cpu.dx, 'dx');
    expectClose(wasm.df, cpu.df, 'dfilter');
  });

  it('the strided Conv2DBackpropInput scatters correctly over image chunks', async () => {
    const c: Case = { n: 5, h: 6, w: 7, cin: 3, cout: 4, kh: 3, kw: 3, stride: 2, pad: 'same' };
    const rng = new Rng(99);
    const x = normals(rng, c.n * c.h * c.w * c.cin);
    const f = normals(rng, c.kh * c.kw * c.cin * c.cout);
    const g = normals(rng, c.n * 3 * 4 * c.cout);
    const cpu = await gradsOn('cpu', c, x, f, g);
    const prev = setConvChunkFloats(2 * 12 * (4 + 27 + 8)); // two images per chunk: chunks of 2, 2, 1
    try {
      const wasm = await gradsOn('wasm', c, x, f, g);
      expectClose(wasm.y, cpu.y, 'forward (chunked)');
      expectClose(wasm.dx, cpu.dx, 'dx (chunked)');
      expectClose(wasm.df, cpu.df, 'dfilter (chunked)');
    } finally {
      setConvChunkFloats(prev);
    }
  });

  it('conv2dTranspose (Conv2DBackpropInput as an op) matches cpu', async () => {
    const rng = new Rng(5);
    const dy = normals(rng, 2 * 4 * 5 * 6);
    const f = normals(rng, 3 * 3 * 3 * 6);
    const run = async (b: string) => {
      await tf.setBackend(b);
      return tf.tidy(() => Float32Array.from(tf.conv2dTranspose(tf.tensor4d(dy, [2, 4, 5, 6]), tf.tensor4d(f, [3, 3, 3, 6]), [2, 8, 10, 3], 2, 'same').dataSync()));
    };
    expectClose(await run('wasm'), await run('cpu'), 'conv2dTranspose');
  });

  it('leaves no tensors or wasm data behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const beforeData = tf.engine().backend.numDataIds();
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const f = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, f]);
      dx.dataSync();
      df.dataSync();
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(beforeData);
  });
});
