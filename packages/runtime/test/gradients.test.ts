import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@flow/random';
import { registerGradients } from '../src/register-gradients';
import { registerWasmKernels } from '../src/register-wasm-kernels';
import { expectClose } from './compare';

type Gen = (rng: Rng) => number;
const normal: Gen = (r) => r.normal();
const positive: Gen = (r) => 0.5 + 2 * r.uniform();
const awayFromZero: Gen = (r) => {
  const v = r.normal();
  return Math.sign(v || 1) * (0.3 + Math.abs(v));
};
const unit: Gen = (r) => 2 * r.uniform() - 1;

interface Input {
  shape: number[];
  gen?: Gen;
  dtype?: 'float32' | 'bool';
}

interface GradCase {
  name: string;
  inputs: Input[];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  /** Inputs that get no gradient check (bool conditions). */
  skip?: number[];
}

function make(rng: Rng, inp: Input): Float32Array {
  const n = inp.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = inp.dtype === 'bool' ? (rng.uniform() < 0.5 ? 1 : 0) : (inp.gen ?? normal)(rng);
  return out;
}

function tensorOf(data: Float32Array, inp: Input): tf.Tensor {
  return inp.dtype === 'bool' ? tf.tensor(Array.from(data, (v) => v > 0), inp.shape, 'bool') : tf.tensor(data, inp.shape, 'float32');
}

function lossAndGrads(c: GradCase, data: Float32Array[], r: Float32Array | null): { y: Float32Array; yShape: number[]; grads: Float32Array[] } {
  return tf.tidy(() => {
    const xs = data.map((d, i) => tensorOf(d, c.inputs[i]));
    const y = c.f(...xs);
    const weights = r ? tf.tensor(r, y.shape) : tf.onesLike(y);
    const differentiable = xs.filter((_, i) => c.inputs[i].dtype !== 'bool' && !c.skip?.includes(i));
    const loss = (...ds: tf.Tensor[]): tf.Scalar => {
      let k = 0;
      const all = xs.map((x, i) => (c.inputs[i].dtype !== 'bool' && !c.skip?.includes(i) ? ds[k++] : x));
      return tf.sum(tf.mul(c.f(...all), weights)) as tf.Scalar;
    };
    const grads = tf.grads(loss)(differentiable);
    return { y: Float32Array.from(y.dataSync()), yShape: y.shape, grads: grads.map((g) => Float32Array.from(g.dataSync())) };
  });
}

function numericGrads(c: GradCase, data: Float32Array[], r: Float32Array): Float32Array[] {
  const loss = (ds: Float32Array[]): number =>
    tf.tidy(() => {
      const xs = ds.map((d, i) => tensorOf(d, c.inputs[i]));
      const y = c.f(...xs);
      const yv = y.dataSync();
      let s = 0;
      for (let i = 0; i < yv.length; i++) s += yv[i] * r[i];
      return s;
    });
  const out: Float32Array[] = [];
  data.forEach((d, i) => {
    if (c.inputs[i].dtype === 'bool' || c.skip?.includes(i)) return;
    const g = new Float32Array(d.length);
    for (let j = 0; j < d.length; j++) {
      const eps = 1e-2 * Math.max(1, Math.abs(d[j]));
      const plus = data.map((e) => e.slice());
      const minus = data.map((e) => e.slice());
      plus[i][j] += eps;
      minus[i][j] -= eps;
      g[j] = (loss(plus) - loss(minus)) / (2 * eps);
    }
    out.push(g);
  });
  return out;
}

const s23 = { shape: [2, 3] };
const unaryCases: [string, (x: tf.Tensor) => tf.Tensor, Gen][] = [
  ['neg', tf.neg, normal],
  ['abs', tf.abs, awayFromZero],
  ['square', tf.square, normal],
  ['sqrt', tf.sqrt, positive],
  ['rsqrt', tf.rsqrt, positive],
  ['reciprocal', tf.reciprocal, awayFromZero],
  ['exp', tf.exp, normal],
  ['expm1', tf.expm1, normal],
  ['log', tf.log, positive],
  ['log1p', tf.log1p, positive],
  ['sin', tf.sin, normal],
  ['cos', tf.cos, normal],
  ['tanh', tf.tanh, normal],
  ['sigmoid', tf.sigmoid, normal],
  ['softplus', tf.softplus, normal],
  ['relu', tf.relu, awayFromZero],
  ['leakyRelu', (x) => tf.leakyRelu(x, 0.2), awayFromZero],
  ['elu', tf.elu, awayFromZero],
  ['erf', tf.erf, normal],
  ['atan', tf.atan, normal],
  ['clipByValue', (x) => tf.clipByValue(x, -0.5, 0.5), (r) => (r.uniform() < 0.5 ? 0.8 : 0.2) * (r.uniform() < 0.5 ? -1 : 1)],
  ['clone', tf.clone, normal],
  ['cast', (x) => tf.cast(x, 'float32'), normal],
  ['floor (zero gradient)', (x) => tf.add(tf.floor(x), x), (r) => Math.floor(4 * r.normal()) + 0.3 + 0.4 * r.uniform()],
  ['sign (zero gradient)', (x) => tf.add(tf.sign(x), x), awayFromZero],
];

const cases: GradCase[] = [
  ...unaryCases.map(([name, f, gen]): GradCase => ({ name, inputs: [{ shape: [2, 5], gen }], f })),
  { name: 'add (broadcast)', inputs: [{ shape: [2, 3] }, { shape: [3] }], f: tf.add },
  { name: 'sub (broadcast both)', inputs: [{ shape: [2, 1, 3] }, { shape: [4, 1] }], f: tf.sub },
  { name: 'mul (broadcast)', inputs: [{ shape: [2, 3, 2] }, { shape: [1, 3, 1] }], f: tf.mul },
  { name: 'mul by scalar', inputs: [{ shape: [3, 2] }, { shape: [] }], f: tf.mul },
  { name: 'div', inputs: [{ shape: [2, 3] }, { shape: [2, 1], gen: awayFromZero }], f: tf.div },
  { name: 'maximum', inputs: [s23, s23], f: tf.maximum },
  { name: 'minimum', inputs: [s23, { shape: [3] }], f: tf.minimum },
  { name: 'squaredDifference', inputs: [s23, { shape: [1, 3] }], f: tf.squaredDifference },
  { name: 'pow', inputs: [{ shape: [2, 3], gen: positive }, { shape: [3] }], f: tf.pow },
  { name: 'atan2', inputs: [s23, { shape: [2, 3], gen: awayFromZero }], f: tf.atan2 },
  { name: 'addN', inputs: [s23, s23, s23], f: (a, b, c) => tf.addN([a, b, tf.mul(c, c)]) },
  { name: 'sum axis 1', inputs: [{ shape: [2, 3, 4] }], f: (x) => tf.sum(x, 1) },
  { name: 'sum keepDims', inputs: [{ shape: [2, 3, 4] }], f: (x) => tf.sum(x, [0, 2], true) },
  { name: 'sum all', inputs: [{ shape: [2, 3] }], f: (x) => tf.sum(x) },
  { name: 'mean', inputs: [{ shape: [2, 3, 4] }], f: (x) => tf.mean(x, [1, 2]) },
  { name: 'mean keepDims', inputs: [{ shape: [2, 3, 4] }], f: (x) => tf.mean(x, -1, true) },
  { name: 'max', inputs: [{ shape: [3, 4] }], f: (x) => tf.max(x, 1) },
  { name: 'min', inputs: [{ shape: [3, 4] }], f: (x) => tf.min(x, 0, true) },
  { name: 'logSumExp', inputs: [{ shape: [3, 4] }], f: (x) => tf.logSumExp(x, 1) },
  { name: 'reshape', inputs: [{ shape: [2, 6] }], f: (x) => tf.mul(tf.reshape(x, [3, 4]), tf.reshape(tf.range(0, 12), [3, 4])) },
  { name: 'expandDims/squeeze', inputs: [{ shape: [2, 3] }], f: (x) => tf.squeeze(tf.mul(tf.expandDims(x, 1), 2)) },
  { name: 'transpose', inputs: [{ shape: [2, 3, 4] }], f: (x) => tf.transpose(x, [2, 0, 1]) },
  { name: 'concat', inputs: [{ shape: [2, 1] }, { shape: [2, 3] }, { shape: [2, 2] }], f: (a, b, c) => tf.concat([a, b, c], 1) },
  { name: 'concat axis -1 rank 4', inputs: [{ shape: [1, 2, 2, 2] }, { shape: [1, 2, 2, 3] }], f: (a, b) => tf.concat([a, b], -1) },
  { name: 'stack', inputs: [s23, s23], f: (a, b) => tf.stack([a, b], 1) },
  { name: 'unstack', inputs: [{ shape: [3, 2] }], f: (x) => { const [a, , c] = tf.unstack(x); return tf.mul(a, c); } },
  { name: 'split', inputs: [{ shape: [2, 5] }], f: (x) => { const [a, b] = tf.split(x, [2, 3], 1); return tf.add(tf.sum(a), tf.sum(tf.square(b))); } },
  { name: 'slice', inputs: [{ shape: [3, 4, 2] }], f: (x) => tf.slice(x, [1, 0, 1], [2, -1, 1]) },
  { name: 'pad', inputs: [{ shape: [2, 3] }], f: (x) => tf.pad(x, [[1, 0], [2, 1]], 0.5) },
  { name: 'tile', inputs: [{ shape: [2, 3] }], f: (x) => tf.tile(x, [2, 3]) },
  { name: 'broadcastTo', inputs: [{ shape: [1, 3] }], f: (x) => tf.broadcastTo(x, [4, 3]) },
  { name: 'reverse', inputs: [{ shape: [2, 3] }], f: (x) => tf.reverse(x, [1]) },
  { name: 'where', inputs: [{ shape: [2, 3], dtype: 'bool' }, s23, s23], f: (c, a, b) => tf.where(c, a, b) },
  { name: 'matMul', inputs: [{ shape: [3, 4] }, { shape: [4, 2] }], f: (a, b) => tf.matMul(a, b) },
  { name: 'matMul transposeA', inputs: [{ shape: [4, 3] }, { shape: [4, 2] }], f: (a, b) => tf.matMul(a, b, true, false) },
  { name: 'matMul transposeB', inputs: [{ shape: [3, 4] }, { shape: [2, 4] }], f: (a, b) => tf.matMul(a, b, false, true) },
  { name: 'matMul transpose both', inputs: [{ shape: [4, 3] }, { shape: [2, 4] }], f: (a, b) => tf.matMul(a, b, true, true) },
  { name: 'batch matMul', inputs: [{ shape: [2, 3, 4] }, { shape: [2, 4, 2] }], f: (a, b) => tf.matMul(a, b) },
  { name: 'batch matMul broadcast', inputs: [{ shape: [2, 3, 4] }, { shape: [4, 2] }], f: (a, b) => tf.matMul(a, b) },
  { name: 'softmax', inputs: [{ shape: [3, 4] }], f: (x) => tf.softmax(x) },
  { name: 'logSoftmax', inputs: [{ shape: [3, 4] }], f: (x) => tf.logSoftmax(x) },
  { name: 'conv2d 3x3 same', inputs: [{ shape: [2, 5, 4, 3] }, { shape: [3, 3, 3, 2] }], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  { name: 'conv2d 1x1 stride 2', inputs: [{ shape: [1, 5, 5, 2] }, { shape: [1, 1, 2, 3] }], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid') },
  { name: 'conv2dTranspose', inputs: [{ shape: [1, 3, 3, 2] }, { shape: [3, 3, 4, 2] }], f: (y, w) => tf.conv2dTranspose(y as tf.Tensor4D, w as tf.Tensor4D, [1, 6, 6, 4], 2, 'same') },
  { name: 'avgPool 2x2', inputs: [{ shape: [2, 4, 6, 3] }], f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'avgPool 3x3 same', inputs: [{ shape: [1, 5, 5, 2] }], f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 1, 'same') },
  { name: 'maxPool 2x2', inputs: [{ shape: [1, 4, 4, 2] }], f: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'resizeNearestNeighbor 2x', inputs: [{ shape: [2, 3, 4, 2] }], f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [6, 8]) },
  { name: 'resizeNearestNeighbor 3x5 -> 7x4', inputs: [{ shape: [1, 3, 5, 2] }], f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [7, 4]) },
  { name: 'resizeNearestNeighbor alignCorners', inputs: [{ shape: [1, 3, 4, 1] }], f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [5, 7], true) },
  { name: 'resizeNearestNeighbor halfPixelCenters', inputs: [{ shape: [2, 4, 3, 1] }], f: (x) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [8, 6], false, true) },
  { name: 'avgPool 3x3 stride 2 same', inputs: [{ shape: [1, 6, 5, 2] }], f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same') },
  { name: 'resizeBilinear', inputs: [{ shape: [1, 3, 3, 2] }], f: (x) => tf.image.resizeBilinear(x as tf.Tensor4D, [5, 4]) },
  { name: 'silu-like composite', inputs: [{ shape: [2, 4] }], f: (x) => tf.div(tf.mul(x, tf.sigmoid(x)), 0.596) },
  { name: 'normalize (EDM2 style)', inputs: [{ shape: [3, 4] }], f: (x) => tf.div(x, tf.add(tf.sqrt(tf.mean(tf.square(x), 1, true)), 1e-4)) },
];

describe('gradient rules', () => {
  beforeAll(() => {
    registerWasmKernels();
    registerGradients();
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: cpu gradient = finite differences, wasm = cpu', async (_name, c) => {
    const rng = new Rng(c.name.length * 101 + c.inputs.length);
    const data = c.inputs.map((inp) => make(rng, inp));
    await tf.setBackend('cpu');
    const probe = lossAndGrads(c, data, null);
    const r = rng.fillNormal(new Float32Array(probe.y.length));
    const cpu = lossAndGrads(c, data, r);
    const numeric = numericGrads(c, data, r);
    expect(cpu.grads.length).toBe(numeric.length);
    cpu.grads.forEach((g, i) => expectClose(g, numeric[i], `${c.name}: d/dx${i} vs finite differences`, 2e-2, 2e-3));
    await tf.setBackend('wasm');
    const wasm = lossAndGrads(c, data, r);
    expectClose(wasm.y, cpu.y, `${c.name}: wasm forward`, 1e-5, 1e-5);
    wasm.grads.forEach((g, i) => expectClose(g, cpu.grads[i], `${c.name}: wasm d/dx${i}`, 1e-5, 1e-5));
  });
});
