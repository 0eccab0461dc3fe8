import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@flow/random';
import { MP_SILU_CONV2D, MP_SILU_CONV2D_FILTER_GRAD } from '../src/kernels/mp-silu-conv2d';
import { registerGradients } from '../src/register-gradients';
import { registerWasmKernels } from '../src/register-wasm-kernels';
import { startWasmThreads, stopWasmThreads } from '../src/wasm-threads/engine';
import { setWakeFlops } from '../src/wasm-threads/gemm-pool';
import { shareNextTfjsWasmHeap, sharedHeapOf } from '../src/wasm-threads/shared-heap';
import { expectClose, normals } from './compare';

// FlowMpSiluConv2D: conv(mp_silu(x)) and conv(mp_silu(x s)) with the activation applied as the conv pads its
// input, and its filter gradient (FlowMpSiluConv2DBackpropFilter, from x, dy and s). They must equal FlowMpSilu /
// FlowMpSiluMod followed by Conv2D / Conv2DBackpropFilter bit for bit (the same wasm arithmetic), at 1 and 2
// threads, and the composite on the cpu backend within float32 tolerance (1e-4 of the largest entry).
interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
}
const cases: [string, Case][] = [
  ['Winograd', { n: 2, h: 9, w: 14, cin: 8, cout: 16, k: 3 }],
  ['direct (6 output channels)', { n: 3, h: 8, w: 8, cin: 12, cout: 6, k: 3 }],
  ['direct 5x5', { n: 2, h: 7, w: 9, cin: 8, cout: 8, k: 5 }],
  ['6 input channels: the activation first, into a temporary', { n: 2, h: 7, w: 7, cin: 6, cout: 8, k: 3 }],
  ['split among the threads', { n: 4, h: 28, w: 28, cin: 16, cout: 16, k: 3 }],
];

const rng = new Rng(5);
const data = cases.map(([, c]) => ({ x: normals(rng, c.n * c.h * c.w * c.cin), f: normals(rng, c.k * c.k * c.cin * c.cout), s: normals(rng, c.n * c.cin), dy: normals(rng, c.n * c.h * c.w * c.cout) }));

type Pair = { fused: Float32Array; unfused: Float32Array };
/** keepPadded: its y, the padded x it returned against mp_silu(x) zero-padded, dW from that padded x. */
type Kept = { y: Float32Array; padded: Pair | undefined; dw: Float32Array | undefined };
type Outputs = { y: Pair; dw: Pair; kept: Kept }[];

function run(modulated: boolean): Outputs {
  return cases.map(([, c], i) =>
    tf.tidy(() => {
      const x = tf.tensor4d(data[i]!.x, [c.n, c.h, c.w, c.cin]);
      const filter = tf.tensor4d(data[i]!.f, [c.k, c.k, c.cin, c.cout]);
      const s = tf.tensor2d(data[i]!.s, [c.n, c.cin]);
      const dy = tf.tensor4d(data[i]!.dy, [c.n, c.h, c.w, c.cout]);
      const inputs: tf.NamedTensorMap = modulated ? { x, filter, s } : { x, filter };
      const fused = tf.engine().runKernel(MP_SILU_CONV2D, inputs, {}) as tf.Tensor;
      const dwFused = tf.engine().runKernel(MP_SILU_CONV2D_FILTER_GRAD, modulated ? { x, dy, s } : { x, dy }, { filterShape: filter.shape }) as tf.Tensor;
      const act = (modulated ? tf.engine().runKernel('FlowMpSiluMod', { x, s }, {}) : tf.engine().runKernel('FlowMpSilu', { x }, {})) as tf.Tensor4D;
      const unfused = tf.conv2d(act, filter, 1, 'same');
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: act, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: filter.shape }) as tf.Tensor;
      const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
      const [yKept, padded] = tf.engine().runKernel(MP_SILU_CONV2D, inputs, { keepPadded: true }) as tf.Tensor[];
      let kept: Kept = { y: read(yKept!), padded: undefined, dw: undefined };
      if (padded!.size > 0) {
        const [, hp, wp] = padded!.shape as number[];
        const expected = tf.pad(act, [[0, 0], [1, hp! - c.h - 1], [1, wp! - c.w - 1], [0, 0]]);
        const dwKept = tf.engine().runKernel(MP_SILU_CONV2D_FILTER_GRAD, { ...(modulated ? { x, dy, s } : { x, dy }), padded: padded! }, { filterShape: filter.shape }) as tf.Tensor;
        kept = { ...kept, padded: { fused: read(padded!), unfused: read(expected) }, dw: read(dwKept) };
      }
      return { y: { fused: read(fused), unfused: read(unfused) }, dw: { fused: read(dwFused), unfused: read(dw) }, kept };
    }),
  );
}

/** The composite on the cpu backend: mp_silu(z) = z sigmoid(z) / 0.596, z = x (times s per image and channel). */
function reference(modulated: boolean): { y: Float32Array; dw: Float32Array }[] {
  return cases.map(([, c], i) =>
    tf.tidy(() => {
      const x = tf.tensor4d(data[i]!.x, [c.n, c.h, c.w, c.cin]);
      const z = modulated ? tf.mul(x, tf.reshape(tf.tensor2d(data[i]!.s, [c.n, c.cin]), [c.n, 1, 1, c.cin])) : x;
      const act = tf.div(tf.mul(z, tf.sigmoid(z)), 0.596) as tf.Tensor4D;
      const filter = tf.tensor4d(data[i]!.f, [c.k, c.k, c.cin, c.cout]);
      const dy = tf.tensor4d(data[i]!.dy, [c.n, c.h, c.w, c.cout]);
      const dw = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(act, f as tf.Tensor4D, 1, 'same'), dy)))(filter);
      return { y: tf.conv2d(act, filter, 1, 'same').dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
    }),
  );
}

describe('FlowMpSiluConv2D (the activation applied in the conv\'s padded copy)', () => {
  const got: Record<string, Outputs> = {};
  const cpu: Record<string, { y: Float32Array; dw: Float32Array }[]> = {};
  let prevWake = 0;
  beforeAll(async () => {
    prevWake = setWakeFlops(0);
    registerGradients();
    await tf.setBackend('cpu');
    for (const m of [false, true]) cpu[String(m)] = reference(m);
    registerWasmKernels();
    const restore = shareNextTfjsWasmHeap();
    await tf.setBackend('wasm');
    restore();
    const heap = sharedHeapOf(tf.backend());
    if (!heap) throw new Error('the wasm backend did not come up on a shared heap');
    for (const threads of [1, 2]) {
      await startWasmThreads(threads, heap);
      for (const m of [false, true]) got[`${threads} ${m}`] = run(m);
    }
  });
  afterAll(async () => {
    setWakeFlops(prevWake);
    await stopWasmThreads();
  });

  it('refuses non-float32 inputs and scales of the wrong shape, allocating nothing', () => {
    const x = tf.zeros([1, 4, 4, 4], 'int32');
    const xf = tf.zeros([1, 4, 4, 4]);
    const filter = tf.zeros([3, 3, 4, 4]);
    const dy = tf.zeros([1, 4, 4, 4]);
    const before = tf.memory().numTensors;
    expect(() => tf.engine().runKernel(MP_SILU_CONV2D, { x, filter }, {})).toThrow(/FlowMpSiluConv2D: float32 inputs expected/);
    expect(() => tf.engine().runKernel(MP_SILU_CONV2D, { x: xf, filter, s: tf.zeros([2, 4]) }, {})).toThrow(/scales \[2,4\] do not match x \[1,4,4,4\]/);
    expect(() => tf.engine().runKernel(MP_SILU_CONV2D_FILTER_GRAD, { x, dy }, { filterShape: [3, 3, 4, 4] })).toThrow(/float32 inputs expected/);
    expect(tf.memory().numTensors).toBe(before + 1); // the scales tensor of the second call
    const wrong = tf.zeros([1, 5, 5, 4]);
    const big = [tf.zeros([1, 8, 8, 4]), tf.zeros([1, 8, 8, 4])];
    expect(() => tf.engine().runKernel(MP_SILU_CONV2D_FILTER_GRAD, { x: big[0]!, dy: big[1]!, padded: wrong }, { filterShape: [3, 3, 4, 4] })).toThrow(/input 'padded' has shape \[1, 5, 5, 4\], expected \[1, 10, 10, 4\]/);
    tf.dispose([x, xf, filter, dy, wrong, ...big]);
  });

  const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  it.each(cases.flatMap(([name], i) => [false, true].map((m) => [`${name}${m ? ', modulated' : ''}`, i, m] as const)))('%s: y and dW, the unfused pairs bit for bit at 1 and 2 threads, and the cpu composite', (_name, i, m) => {
    const one = got[`1 ${m}`]![i]!;
    const two = got[`2 ${m}`]![i]!;
    for (const part of ['y', 'dw'] as const) {
      for (const r of [one, two]) expect([part, bits(r[part].fused).equals(bits(r[part].unfused))]).toEqual([part, true]);
      expect([part, bits(two[part].fused).equals(bits(one[part].fused))]).toEqual([part, true]);
      expectClose(one[part].fused, cpu[String(m)]![i]![part], `case ${i} ${part}`);
    }
  });

  // Where both the conv and its filter gradient run as Winograd (3x3, channels in whole vectors, 64 output
  // pixels an image and up) the conv hands its padded x on; elsewhere the second output is empty.
  const keeps = [true, false, false, false, true];
  it.each(cases.flatMap(([name], i) => [false, true].map((m) => [`${name}${m ? ', modulated' : ''}`, i, m] as const)))('%s: keepPadded returns the same y, and the padded x that gives the same dW', (_name, i, m) => {
    for (const threads of [1, 2]) {
      const r = got[`${threads} ${m}`]![i]!;
      expect(bits(r.kept.y).equals(bits(r.y.fused))).toBe(true);
      expect(r.kept.padded !== undefined).toBe(keeps[i]);
      if (!r.kept.padded) continue;
      expect(bits(r.kept.padded.fused).equals(bits(r.kept.padded.unfused))).toBe(true);
      expect(bits(r.kept.dw!).equals(bits(r.dw.fused))).toBe(true);
    }
  });
});
