import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setFlagsFromString } from 'node:v8';
import { Rng } from '@flow/random';
import { registerWasmKernels } from '../src/register-wasm-kernels';
import { registerGradients } from '../src/register-gradients';
import { GEMM_MAX_PAGES, GEMM_MR, GEMM_NR, gemmModuleBytes } from '../src/wasm-threads/gemm-module';
import { startWasmThreads, stopWasmThreads, wasmGemm } from '../src/wasm-threads/engine';
import { setWakeFlops } from '../src/wasm-threads/gemm-pool';
import { setWinogradTile, WINOGRAD_FILTER_MIN_PIXELS } from '../src/wasm-threads/implicit-conv';
import { shareNextTfjsWasmHeap, sharedHeapOf } from '../src/wasm-threads/shared-heap';
import { webAssembly } from '../src/wasm-threads/wasm-global';
import { expectClose, normals } from './compare';

// The threaded wasm engine: the microkernel in both variants against a float64 reference, and the kernels
// (values and gradients) against the cpu backend at 1 and 2 threads, bit-identical across thread counts, and
// on tfjs's heap made shared (operands read and results written in place where their layout allows) as on the
// engine's own memory (every operand copied).
// Tolerance (expectClose): 1e-4 of the largest reference entry plus 1e-5 (float32 sums of up to ~600 terms).

describe('wasm GEMM microkernel', () => {
  it.each([false, true])('fma=%s: a 4 x 8 tile over 10 packed steps, written then accumulated', (fma) => {
    if (fma) setFlagsFromString('--experimental-wasm-relaxed-simd');
    const WA = webAssembly();
    const bytes = gemmModuleBytes(fma);
    expect(WA.validate(bytes)).toBe(true);
    const memory = new WA.Memory({ initial: 1, maximum: GEMM_MAX_PAGES, shared: true });
    const tile = new WA.Instance(new WA.Module(bytes), { env: { memory } }).exports.tile as (...a: number[]) => void;
    const f = new Float32Array(memory.buffer);
    const rng = new Rng(3);
    const kc = 10;
    const ldc = 12; // C rows padded to 12 floats: the tile must not touch columns 8..11
    const a = normals(rng, GEMM_MR * kc); // packed: step k holds the MR row values
    const b = normals(rng, GEMM_NR * kc); // packed: step k holds the NR column values
    f.set(a, 0);
    f.set(b, 256);
    f.fill(7, 1024, 1024 + GEMM_MR * ldc);
    tile(0, 256 * 4, 1024 * 4, ldc * 4, 0, 4, 1, 0, 0, 1, 0, 0, kc, GEMM_MR * 4, GEMM_NR * 4, 1, 0, 0, 1, 0, 0);
    const ref = new Float64Array(GEMM_MR * GEMM_NR);
    for (let r = 0; r < GEMM_MR; r++) for (let c = 0; c < GEMM_NR; c++) for (let k = 0; k < kc; k++) ref[r * GEMM_NR + c] += a[k * GEMM_MR + r] * b[k * GEMM_NR + c];
    const got = (): Float32Array => Float32Array.from({ length: GEMM_MR * GEMM_NR }, (_, i) => f[1024 + Math.floor(i / GEMM_NR) * ldc + (i % GEMM_NR)]);
    expectClose(got(), ref, 'tile', 1e-6, 1e-6);
    for (let r = 0; r < GEMM_MR; r++) for (let c = GEMM_NR; c < ldc; c++) expect(f[1024 + r * ldc + c]).toBe(7);
    tile(0, 256 * 4, 1024 * 4, ldc * 4, 1, 4, 1, 0, 0, 1, 0, 0, kc, GEMM_MR * 4, GEMM_NR * 4, 1, 0, 0, 1, 0, 0);
    expectClose(got(), ref.map((v) => 2 * v), 'accumulated tile', 1e-6, 1e-6);
  });

  it.each([false, true])('fma=%s: one call over a 2 x 3 grid of blocks (n4 x n3) gives the bits of six single-block calls', (fma) => {
    if (fma) setFlagsFromString('--experimental-wasm-relaxed-simd');
    const WA = webAssembly();
    const memory = new WA.Memory({ initial: 4, maximum: GEMM_MAX_PAGES, shared: true });
    const tile = new WA.Instance(new WA.Module(gemmModuleBytes(fma)), { env: { memory } }).exports.tile as (...a: number[]) => void;
    const f = new Float32Array(memory.buffer);
    const rng = new Rng(5);
    const kc = 7;
    // A: 6 row panels of packed steps, block (i, j) at panel i * 3 + j plus one spare panel per row of blocks
    // (so the n4 stride differs from 3 n3 strides); C: 2 x 3 blocks of 4 rows, rows 40 floats apart.
    const panel = GEMM_MR * kc;
    f.set(normals(rng, 8 * panel), 0);
    f.set(normals(rng, GEMM_NR * kc), 4096);
    const ldc = 40;
    const c1 = 8192;
    const c2 = 16384;
    const run = (c: number, i: number, j: number, n3: number, n4: number): void =>
      tile((i * 4 + j) * panel * 4, 4096 * 4, (c + (i * 3 + j) * GEMM_MR * ldc) * 4, ldc * 4, 0, 4, 1, 0, 0, 1, 0, 0, kc, GEMM_MR * 4, GEMM_NR * 4, n3, panel * 4, GEMM_MR * ldc * 4, n4, 4 * panel * 4, 3 * GEMM_MR * ldc * 4);
    f.fill(7, c1, c1 + 6 * GEMM_MR * ldc);
    f.fill(7, c2, c2 + 6 * GEMM_MR * ldc);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) run(c1, i, j, 1, 1);
    run(c2, 0, 0, 3, 2);
    expect(Array.from(f.subarray(c2, c2 + 6 * GEMM_MR * ldc))).toEqual(Array.from(f.subarray(c1, c1 + 6 * GEMM_MR * ldc)));
    // Columns past the block stay untouched, and every block was written.
    expect(f[c2 + GEMM_NR]).toBe(7);
    for (let blk = 0; blk < 6; blk++) expect(f[c2 + blk * GEMM_MR * ldc]).not.toBe(7);
  });
});

interface ConvCase {
  n: number; h: number; w: number; cin: number; cout: number; k: number; stride: number; pad: 'same' | 'valid';
}

function convGrads(c: ConvCase, x: Float32Array, f: Float32Array, g: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.cin]);
    const ft = tf.tensor4d(f, [c.k, c.k, c.cin, c.cout]);
    const y = tf.conv2d(xt, ft, c.stride, c.pad);
    const gt = tf.tensor(g, y.shape);
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), gt)))([xt, ft]);
    return [y, dx, df].map((t) => Float32Array.from(t.dataSync()));
  });
}

/** y = a . b for a batch of tall products, with both gradients against g. */
function product(a: Float32Array, b: Float32Array, g: Float32Array, [batch, m, k, n]: [number, number, number, number]): Float32Array[] {
  return tf.tidy(() => {
    const [at, bt, gt] = [tf.tensor3d(a, [batch, m, k]), tf.tensor3d(b, [batch, k, n]), tf.tensor3d(g, [batch, m, n])];
    const y = tf.matMul(at, bt);
    const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D), gt)))([at, bt]);
    return [y, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

function attention(q: Float32Array, k: Float32Array, v: Float32Array, shape: [number, number, number]): Float32Array[] {
  return tf.tidy(() => {
    const [qt, kt, vt] = [q, k, v].map((d) => tf.tensor3d(d, shape));
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.matMul(tf.softmax(tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true)), c as tf.Tensor3D));
    const y = tf.matMul(tf.softmax(tf.matMul(qt, kt, false, true)), vt);
    const grads = tf.grads(f)([qt, kt, vt]);
    return [y, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

describe('wasm kernels on worker threads', () => {
  // Every GEMM wakes the workers (setWakeFlops(0)), so small shapes exercise the threaded path.
  const conv: ConvCase[] = [
    { n: 3, h: 16, w: 12, cin: 8, cout: 20, k: 3, stride: 1, pad: 'same' },
    { n: 2, h: 17, w: 15, cin: 6, cout: 36, k: 3, stride: 2, pad: 'valid' },
    // In place on the shared heap: x, y, dy, dx and dW of a 1x1 conv; y, dy and dW of a 3x3 one.
    { n: 2, h: 8, w: 8, cin: 8, cout: 16, k: 1, stride: 1, pad: 'same' },
    { n: 2, h: 8, w: 12, cin: 4, cout: 8, k: 3, stride: 1, pad: 'same' },
    // 64K floats an image batch: on the shared heap its zero-padded copies are split among the threads.
    { n: 4, h: 32, w: 32, cin: 16, cout: 16, k: 3, stride: 1, pad: 'same' },
    // 14 pixels wide: outputs come in rows of 16 and are copied out by a strided wasm copy (one call; split
    // among the threads from 64K floats, the second case).
    { n: 2, h: 9, w: 14, cin: 8, cout: 16, k: 3, stride: 1, pad: 'same' },
    { n: 4, h: 14, w: 14, cin: 8, cout: 96, k: 3, stride: 1, pad: 'same' },
    // Filter gradient: 40 input channels are two tasks a tap (32 + 8), 3 output channels padded to 8 in dy.
    { n: 2, h: 6, w: 7, cin: 40, cout: 3, k: 3, stride: 1, pad: 'same' },
    // The filter gradient reads x unpadded, each tap over the outputs whose input lies inside the image: a
    // strided 'same' conv of odd size, and a one-row image whose top and bottom taps read only padding (zero).
    { n: 2, h: 9, w: 7, cin: 8, cout: 8, k: 3, stride: 2, pad: 'same' },
    { n: 3, h: 1, w: 5, cin: 4, cout: 8, k: 3, stride: 1, pad: 'same' },
    // 'valid' with 7 outputs a row (computed as 8): the padded copy has zeros on the right only.
    { n: 2, h: 7, w: 9, cin: 8, cout: 8, k: 3, stride: 1, pad: 'valid' },
    // Winograd with 260 input channels: each of its 16 GEMMs runs in two k blocks (256 + 4), the second accumulating.
    { n: 2, h: 5, w: 6, cin: 260, cout: 12, k: 3, stride: 1, pad: 'same' },
    // Winograd filter gradients (from WINOGRAD_FILTER_MIN_PIXELS[4], 16, output pixels an image): odd sizes (dy padded to whole tiles),
    // 12 output channels (panels padded to 16), 'valid'; 180 and 144 tiles, summed in ranges of 32 (the last partial).
    { n: 2, h: 17, w: 19, cin: 8, cout: 12, k: 3, stride: 1, pad: 'same' },
    { n: 2, h: 18, w: 20, cin: 4, cout: 8, k: 3, stride: 1, pad: 'valid' },
  ];
  // On tfjs's heap, 3x3 stride-1 convs with channels in whole vectors run as Winograd: F(4x4, 3x3) for the
  // forward pass and the input gradient, F(3x3, 4x4) for the filter gradient from 16 output pixels an image
  // (nine of the ten Winograd convs here; the one-row image has 5); the 'f2' runs as F(2x2, 3x3) and
  // F(3x3, 2x2) from 64; on the engine's own memory (the 'copied' runs) directly, so there the two agree
  // within the tolerance only.
  const winograd = (c: ConvCase) => c.k === 3 && c.stride === 1 && c.cin % 4 === 0 && c.cout % 4 === 0;
  const outPixels = (c: ConvCase) => (c.pad === 'same' ? c.h * c.w : (c.h - 2) * (c.w - 2));
  const winogradParts = (c: ConvCase) => (!winograd(c) ? [] : outPixels(c) >= WINOGRAD_FILTER_MIN_PIXELS[4] ? [0, 1, 2] : [0, 1]);
  const rng = new Rng(11);
  const convData = conv.map((c) => {
    const x = normals(rng, c.n * c.h * c.w * c.cin);
    const f = normals(rng, c.k * c.k * c.cin * c.cout);
    const oh = c.pad === 'same' ? Math.ceil(c.h / c.stride) : Math.ceil((c.h - c.k + 1) / c.stride);
    const ow = c.pad === 'same' ? Math.ceil(c.w / c.stride) : Math.ceil((c.w - c.k + 1) / c.stride);
    return { x, f, g: normals(rng, c.n * oh * ow * c.cout) };
  });
  // (batch x heads, tokens, channels per head): 40 rows and 40 / 24 columns fill whole blocks, so on the shared
  // heap every product reads A and B and writes C in place; 49 tokens (mnist-fast's 7x7) of 22 channels fill
  // no whole panel, so rows are packed, copied in and out by the wasm row kernels there.
  const attShapes: [number, number, number][] = [[6, 40, 24], [6, 49, 22]];
  const att = attShapes.map((shape) => [0, 1, 2].map(() => normals(rng, shape[0] * shape[1] * shape[2])));
  // (batch, m, k, n): 130 row panels a product, so a task takes 4 of them (the last task 2) in one call.
  const tall: [number, number, number, number] = [2, 520, 40, 24];
  const tallData = [tall[1] * tall[2], tall[2] * tall[3], tall[1] * tall[3]].map((size) => normals(rng, tall[0] * size));

  const results: Record<string, Float32Array[][]> = {};
  let prevWake = 0;
  beforeAll(async () => {
    prevWake = setWakeFlops(0);
    registerWasmKernels();
    registerGradients();
    await tf.setBackend('cpu');
    results.cpu = [...conv.map((c, i) => convGrads(c, convData[i].x, convData[i].f, convData[i].g)), ...attShapes.map((shape, i) => attention(att[i]![0]!, att[i]![1]!, att[i]![2]!, shape)), product(tallData[0], tallData[1], tallData[2], tall)];
    const restore = shareNextTfjsWasmHeap();
    await tf.setBackend('wasm');
    restore();
    const heap = sharedHeapOf(tf.backend());
    if (!heap) throw new Error('the wasm backend did not come up on a shared heap');
    const run = () => [...conv.map((c, i) => convGrads(c, convData[i].x, convData[i].f, convData[i].g)), ...attShapes.map((shape, i) => attention(att[i]![0]!, att[i]![1]!, att[i]![2]!, shape)), product(tallData[0], tallData[1], tallData[2], tall)];
    for (const threads of [1, 2]) {
      await startWasmThreads(threads, heap);
      results[threads] = run();
    }
    // The Winograd convs as F(2x2, 3x3) too (the default is F(4x4, 3x3)).
    const prevTile = setWinogradTile(2);
    results.f2 = run();
    setWinogradTile(prevTile);
    await startWasmThreads(2);
    results.copied = run();
  });
  afterAll(async () => {
    setWakeFlops(prevWake);
    await stopWasmThreads();
  });

  const names = [...conv.map((c) => `conv ${JSON.stringify(c)}`), ...attShapes.map((shape) => `attention ${shape}`), `tall product ${tall}`];
  const parts = [...conv.map(() => ['y', 'dx', 'dfilter']), ...attShapes.map(() => ['y', 'dq', 'dk', 'dv']), ['y', 'da', 'db']];
  it.each(names.map((n, i) => [n, i] as const))('%s: values and gradients match cpu at 1 and 2 threads, in place and copied', (_n, i) => {
    for (const threads of ['1', '2', 'copied']) {
      results[threads][i].forEach((got, j) => expectClose(got, results.cpu[i][j], `${threads} threads ${parts[i][j]}`));
    }
  });

  it.each(names.map((n, i) => [n, i] as const))('%s: bit-identical at 1 and 2 threads, in place and copied', (_n, i) => {
    results['2'][i].forEach((got, j) => expect(Buffer.from(got.buffer).equals(Buffer.from(results['1'][i][j].buffer))).toBe(true));
    results.copied[i].forEach((got, j) => {
      if (i < conv.length && winogradParts(conv[i]!).includes(j)) return;
      expect(Buffer.from(got.buffer).equals(Buffer.from(results['1'][i][j].buffer))).toBe(true);
    });
  });

  it.each(names.map((n, i) => [n, i] as const))('%s: with F(2x2, 3x3) Winograd convs, values and gradients match cpu', (_n, i) => {
    results.f2[i].forEach((got, j) => expectClose(got, results.cpu[i][j], `F(2x2) ${parts[i][j]}`));
  });

  it('both Winograd tilings ran: their convs, input and filter gradients (F(3x3, 4x4) against F(3x3, 2x2)) differ by float32 rounding', () => {
    let checked = 0;
    conv.forEach((c, i) => {
      for (const j of winogradParts(c)) {
        expect([i, j, Buffer.from(results.f2[i]![j]!.buffer).equals(Buffer.from(results['1'][i]![j]!.buffer))]).toEqual([i, j, false]);
        checked++;
      }
    });
    expect(checked).toBe(2 * 1 + 3 * 9);
  });

  it('Winograd ran: its results differ from the direct ones (copied) by float32 rounding, not bit for bit', () => {
    let checked = 0;
    conv.forEach((c, i) => {
      for (const j of winogradParts(c)) {
        expect(Buffer.from(results.copied[i]![j]!.buffer).equals(Buffer.from(results['1'][i]![j]!.buffer))).toBe(false);
        checked++;
      }
    });
    expect(checked).toBe(2 * 1 + 3 * 9);
  });

  it('dilated and strided forward convs (tfjs has no dilated-conv gradient) match cpu at 2 threads', async () => {
    const rng2 = new Rng(5);
    const x = normals(rng2, 2 * 13 * 11 * 5);
    const f = normals(rng2, 3 * 2 * 5 * 9);
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => [
        tf.conv2d(tf.tensor4d(x, [2, 13, 11, 5]), tf.tensor4d(f, [3, 2, 5, 9]), 1, 'same', 'NHWC', [2, 3]),
        tf.conv2d(tf.tensor4d(x, [2, 13, 11, 5]), tf.tensor4d(f, [3, 2, 5, 9]), [2, 3], 'valid'),
        tf.conv2d(tf.tensor4d(x, [2, 13, 11, 5]), tf.tensor4d(f, [3, 2, 5, 9]), 1, [[0, 0], [2, 1], [0, 3], [0, 0]]),
      ].map((t) => Float32Array.from(t.dataSync())));
    };
    const cpu = await run('cpu');
    await startWasmThreads(2);
    (await run('wasm')).forEach((got, i) => expectClose(got, cpu[i], `conv ${i}`));
  });

  it('products wider than one task (N > 128) and deeper than one k block (K > 256), and a conv with 136 output channels, match cpu at 2 threads', async () => {
    const rng3 = new Rng(8);
    const [a, b, g] = [normals(rng3, 2 * 24 * 300), normals(rng3, 2 * 300 * 136), normals(rng3, 2 * 24 * 136)];
    const [x, f] = [normals(rng3, 2 * 6 * 8 * 12), normals(rng3, 3 * 3 * 12 * 136)];
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const [at, bt, gt] = [tf.tensor3d(a, [2, 24, 300]), tf.tensor3d(b, [2, 300, 136]), tf.tensor3d(g, [2, 24, 136])];
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D), gt)))([at, bt]);
        const y = tf.conv2d(tf.tensor4d(x, [2, 6, 8, 12]), tf.tensor4d(f, [3, 3, 12, 136]), 1, 'same');
        return [tf.matMul(at, bt), da, db, y].map((t) => Float32Array.from(t.dataSync()));
      });
    };
    const cpu = await run('cpu');
    await startWasmThreads(2); // the pool of the copied runs: 'the worker thread took part' counts its tasks
    (await run('wasm')).forEach((got, i) => expectClose(got, cpu[i], ['c', 'da', 'db', 'conv'][i]!));
  });

  it('the worker thread took part', () => {
    expect(wasmGemm().threads).toBe(2);
    expect(wasmGemm().workerTasks).toBeGreaterThan(0);
  });
});
