import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@flow/random';
import { registerWasmKernels } from '../src/register-wasm-kernels';
import { registerGradients } from '../src/register-gradients';
import { expectClose, normals } from './compare';

interface Case {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

// Shapes as stored (already transposed where ta/tb say so).
const cases: Case[] = [
  { a: [5, 7], b: [7, 3], ta: false, tb: false },
  { a: [7, 5], b: [7, 3], ta: true, tb: false },
  { a: [5, 7], b: [3, 7], ta: false, tb: true },
  { a: [7, 5], b: [3, 7], ta: true, tb: true },
  { a: [4, 9, 6], b: [4, 6, 11], ta: false, tb: false },
  { a: [4, 9, 6], b: [4, 11, 6], ta: false, tb: true }, // attention logits q k^T
  { a: [3, 6, 9], b: [3, 6, 11], ta: true, tb: false },
  { a: [3, 6, 9], b: [3, 11, 6], ta: true, tb: true },
  { a: [2, 3, 5, 4], b: [2, 3, 4, 6], ta: false, tb: false },
  { a: [6, 5, 4], b: [4, 7], ta: false, tb: false }, // shared right operand: one folded GEMM
  { a: [6, 4, 5], b: [7, 4], ta: true, tb: true },
  { a: [5, 4], b: [3, 4, 6], ta: false, tb: false }, // shared left operand
  { a: [1, 33, 17], b: [1, 17, 40], ta: false, tb: false },
];

async function run(backend: string, c: Case, a: Float32Array, b: Float32Array, g: Float32Array | null) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const at = tf.tensor(a, c.a);
    const bt = tf.tensor(b, c.b);
    const y = tf.matMul(at, bt, c.ta, c.tb);
    const gt = tf.tensor(g ?? new Float32Array(y.size), y.shape);
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, c.ta, c.tb), gt)))([at, bt]);
    return { y: Float32Array.from(y.dataSync()), shape: y.shape, da: Float32Array.from(da.dataSync()), db: Float32Array.from(db.dataSync()) };
  });
}

describe('wasm BatchMatMul (transposed / batched on the XNNPACK GEMM) vs cpu', () => {
  beforeAll(async () => {
    registerWasmKernels();
    registerGradients();
    await tf.setBackend('wasm');
  });

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('matMul and its gradients %s', async (_label, c) => {
    const rng = new Rng(11 + c.a.length * 7 + c.b[c.b.length - 1]);
    const a = normals(rng, c.a.reduce((p, q) => p * q, 1));
    const b = normals(rng, c.b.reduce((p, q) => p * q, 1));
    const shape = (await run('cpu', c, a, b, null)).shape;
    const g = normals(rng, shape.reduce((p, q) => p * q, 1));
    const cpu = await run('cpu', c, a, b, g);
    const wasm = await run('wasm', c, a, b, g);
    expect(wasm.shape).toEqual(cpu.shape);
    expectClose(wasm.y, cpu.y, 'forward');
    expectClose(wasm.da, cpu.da, 'da');
    expectClose(wasm.db, cpu.db, 'db');
  });

  it('repeated products with new contents give new results (no stale packed operands)', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng(3);
    for (let r = 0; r < 3; r++) {
      const a = normals(rng, 3 * 4 * 5);
      const b = normals(rng, 3 * 6 * 5);
      const got = tf.tidy(() => Float32Array.from(tf.matMul(tf.tensor3d(a, [3, 4, 5]), tf.tensor3d(b, [3, 6, 5]), false, true).dataSync()));
      await tf.setBackend('cpu');
      const want = tf.tidy(() => Float32Array.from(tf.matMul(tf.tensor3d(a, [3, 4, 5]), tf.tensor3d(b, [3, 6, 5]), false, true).dataSync()));
      await tf.setBackend('wasm');
      expectClose(got, want, `round ${r}`);
    }
  });

  it('leaves no tensors or wasm data behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const beforeData = tf.engine().backend.numDataIds();
    tf.tidy(() => {
      const a = tf.randomNormal([4, 6, 5], 0, 1, 'float32', 1);
      const b = tf.randomNormal([4, 7, 5], 0, 1, 'float32', 2);
      const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q, false, true)))([a, b]);
      da.dataSync();
      db.dataSync();
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(beforeData);
  });
});
