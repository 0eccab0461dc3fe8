import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as native from '@flow/native';
import { Rng } from '@flow/random';
import { registerNativeKernels } from '../src/register-native-kernels';
import { registerWasmKernels } from '../src/register-wasm-kernels';
import { registerGradients } from '../src/register-gradients';
import { expectClose, normals } from './compare';

// Every native kernel against the cpu backend, values and gradients through tf.grads. Tolerance (expectClose):
// |native - cpu| <= 1e-4 * max|cpu| + 1e-5 per output, float32 sums in a different order (sgemm blocking).
const available = native.isNativeAvailable();
if (!available) console.warn(`native kernel tests skipped: ${native.nativeUnavailableReason()}`);
const suite = available ? describe : describe.skip;

type Pad = 'same' | 'valid' | number;
interface ConvCase {
  n: number; h: number; w: number; cin: number; cout: number; kh: number; kw: number; stride: number | [number, number]; pad: Pad; dilation?: number;
}

async function convOn(backend: string, c: ConvCase, x: Float32Array, f: Float32Array, g: Float32Array) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.cin]);
    const ft = tf.tensor4d(f, [c.kh, c.kw, c.cin, c.cout]);
    const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation ?? 1);
    const y = conv(xt, ft);
    const gt = tf.tensor(g, y.shape);
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), gt)))([xt, ft]);
    return { y: Float32Array.from(y.dataSync()), dx: Float32Array.from(dx.dataSync()), df: Float32Array.from(df.dataSync()) };
  });
}

const convCases: ConvCase[] = [
  { n: 2, h: 7, w: 9, cin: 3, cout: 5, kh: 3, kw: 3, stride: 1, pad: 'same' },
  { n: 2, h: 14, w: 14, cin: 16, cout: 32, kh: 3, kw: 3, stride: 1, pad: 'same' },
  { n: 1, h: 8, w: 8, cin: 4, cout: 6, kh: 3, kw: 3, stride: 1, pad: 'valid' },
  { n: 3, h: 9, w: 7, cin: 5, cout: 4, kh: 3, kw: 3, stride: 2, pad: 'same' },
  { n: 2, h: 6, w: 6, cin: 8, cout: 16, kh: 1, kw: 1, stride: 1, pad: 'same' },
  { n: 2, h: 7, w: 5, cin: 6, cout: 3, kh: 1, kw: 1, stride: 2, pad: 'valid' },
  { n: 1, h: 12, w: 9, cin: 3, cout: 2, kh: 5, kw: 3, stride: [2, 1], pad: 'same' },
  { n: 2, h: 5, w: 6, cin: 2, cout: 3, kh: 3, kw: 3, stride: 1, pad: 2 },
  { n: 1, h: 1, w: 1, cin: 3, cout: 4, kh: 3, kw: 3, stride: 1, pad: 'same' },
];

function convData(c: ConvCase) {
  const rng = new Rng(11 + c.h * 31 + c.cin);
  const x = normals(rng, c.n * c.h * c.w * c.cin);
  const f = normals(rng, c.kh * c.kw * c.cin * c.cout);
  const yShape = tf.tidy(() => tf.conv2d(tf.zeros([c.n, c.h, c.w, c.cin]) as tf.Tensor4D, tf.zeros([c.kh, c.kw, c.cin, c.cout]) as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation ?? 1).shape);
  const g = normals(rng, yShape.reduce((a, b) => a * b, 1));
  return { x, f, g };
}

interface MatCase {
  a: number[]; b: number[]; ta: boolean; tb: boolean;
}

const matCases: MatCase[] = [
  { a: [5, 7], b: [7, 3], ta: false, tb: false },
  { a: [7, 5], b: [7, 3], ta: true, tb: false },
  { a: [5, 7], b: [3, 7], ta: false, tb: true },
  { a: [7, 5], b: [3, 7], ta: true, tb: true },
  { a: [4, 49, 32], b: [4, 49, 32], ta: false, tb: true }, // attention logits q k^T
  { a: [4, 49, 49], b: [4, 49, 32], ta: false, tb: false }, // attention p v
  { a: [3, 6, 4], b: [4, 5], ta: false, tb: false }, // shared right operand
  { a: [3, 4, 6], b: [4, 5], ta: true, tb: false },
  { a: [6, 4], b: [3, 4, 5], ta: false, tb: false }, // shared left operand
  { a: [1, 3, 4], b: [2, 5, 4], ta: false, tb: true }, // broadcast batch (one-sided: the cpu backend has no two-way broadcast)
];

async function matOn(backend: string, c: MatCase, a: Float32Array, b: Float32Array, g: Float32Array) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const at = tf.tensor(a, c.a);
    const bt = tf.tensor(b, c.b);
    const mm = (p: tf.Tensor, q: tf.Tensor) => tf.matMul(p, q, c.ta, c.tb);
    const y = mm(at, bt);
    const gt = tf.tensor(g, y.shape);
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(mm(p, q), gt)))([at, bt]);
    return { y: Float32Array.from(y.dataSync()), da: Float32Array.from(da.dataSync()), db: Float32Array.from(db.dataSync()) };
  });
}

suite('native kernels (wasm backend + @flow/native) vs cpu', () => {
  beforeAll(async () => {
    registerGradients();
    registerNativeKernels(native);
    await tf.setBackend('wasm');
  });
  afterAll(() => {
    registerWasmKernels();
  });

  it.each(convCases.map((c) => [JSON.stringify(c), c] as const))('Conv2D and its gradients %s', async (_label, c) => {
    const { x, f, g } = convData(c);
    const cpu = await convOn('cpu', c, x, f, g);
    const nat = await convOn('wasm', c, x, f, g);
    expectClose(nat.y, cpu.y, 'forward');
    expectClose(nat.dx, cpu.dx, 'dx');
    expectClose(nat.df, cpu.df, 'dfilter');
  });

  it('Conv2D forward with dilation 2 (the gradient rules support dilation 1 only)', async () => {
    const c: ConvCase = { n: 2, h: 9, w: 9, cin: 3, cout: 4, kh: 3, kw: 3, stride: 1, pad: 'same', dilation: 2 };
    const { x, f } = convData(c);
    const forward = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.conv2d(tf.tensor4d(x, [c.n, c.h, c.w, c.cin]), tf.tensor4d(f, [c.kh, c.kw, c.cin, c.cout]), 1, 'same', 'NHWC', 2).dataSync());
    };
    expectClose(await forward('wasm'), await forward('cpu'), 'forward (dilated)');
  });

  it('convolutions chunked over rows and images give the same values', async () => {
    const c: ConvCase = { n: 5, h: 6, w: 7, cin: 3, cout: 4, kh: 3, kw: 3, stride: 1, pad: 'same' };
    const { x, f, g } = convData(c);
    const cpu = await convOn('cpu', c, x, f, g);
    const prev = native.setNativeChunkFloats(2 * 42 * 27 + 5); // ~2 images of patches per chunk: 2, 2, 1 (and uneven row chunks)
    try {
      const nat = await convOn('wasm', c, x, f, g);
      expectClose(nat.y, cpu.y, 'forward (chunked)');
      expectClose(nat.dx, cpu.dx, 'dx (chunked)');
      expectClose(nat.df, cpu.df, 'dfilter (chunked)');
    } finally {
      native.setNativeChunkFloats(prev);
    }
  });

  it.each(matCases.map((c) => [JSON.stringify(c), c] as const))('BatchMatMul and its gradients %s', async (_label, c) => {
    const rng = new Rng(5 + c.a.length * 7 + c.a[0]);
    const a = normals(rng, c.a.reduce((p, q) => p * q, 1));
    const b = normals(rng, c.b.reduce((p, q) => p * q, 1));
    const yShape = tf.tidy(() => tf.matMul(tf.zeros(c.a), tf.zeros(c.b), c.ta, c.tb).shape);
    const g = normals(rng, yShape.reduce((p, q) => p * q, 1));
    const cpu = await matOn('cpu', c, a, b, g);
    const nat = await matOn('wasm', c, a, b, g);
    expectClose(nat.y, cpu.y, 'product');
    expectClose(nat.da, cpu.da, 'da');
    expectClose(nat.db, cpu.db, 'db');
  });

  it('ClipByValue gradient (one native pass) matches the composite rule on cpu', async () => {
    const rng = new Rng(21);
    const x = normals(rng, 2 * 5 * 5 * 8);
    const g = normals(rng, x.length);
    x[0] = 0.5; // exactly at a bound: the gradient passes there
    const on = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const gt = tf.tensor(g, [2, 5, 5, 8]);
        const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(t, -0.7, 0.5), gt)))(tf.tensor(x, [2, 5, 5, 8]));
        return Float32Array.from(dx.dataSync());
      });
    };
    const cpu = await on('cpu');
    const nat = await on('wasm');
    expect(tf.getKernel('FlowClipByValueGrad', 'wasm')).toBeDefined();
    expect(Array.from(nat)).toEqual(Array.from(cpu));
    expect(cpu[0]).toBe(g[0]);
  });

  it('is deterministic for a fixed thread count (bit-for-bit on repeat)', async () => {
    const c = convCases[1];
    const { x, f, g } = convData(c);
    const first = await convOn('wasm', c, x, f, g);
    const second = await convOn('wasm', c, x, f, g);
    expect(Buffer.from(second.df.buffer).equals(Buffer.from(first.df.buffer))).toBe(true);
    expect(Buffer.from(second.dx.buffer).equals(Buffer.from(first.dx.buffer))).toBe(true);
  });
});
