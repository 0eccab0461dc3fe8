import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@flow/random';
import { registerWasmKernels } from '../src/register-wasm-kernels';
import { startWasmThreads, stopWasmThreads, wasmGemm } from '../src/wasm-threads/engine';
import { GemmPool } from '../src/wasm-threads/gemm-pool';
import { shareNextTfjsWasmHeap, sharedHeapOf, type WasmHeap } from '../src/wasm-threads/shared-heap';

// Large float32 Add (same shapes) and Multiply (by a scalar) on tfjs's shared heap run split among the
// engine's threads; everything else goes to the wasm backend's own kernels. The split result must be the
// stock kernel's bit for bit (1-thread pool: no split, so the stock kernel runs) and equal the float32 sum /
// product computed here (a float64 sum or product of two float32 values rounds to the float32 result).

let heap: WasmHeap;
const rng = new Rng(33);
const normals = (shape: number[]): tf.Tensor => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((p, d) => p * d, 1))), shape);
const bits = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

let workerTasks = 0;

/**
 * `op` on a 1-thread pool (the stock kernel) and on a 2-thread pool; both results and the split calls per run.
 * Whether the worker wakes in time to take chunks depends on the machine's load (CI runs test suites side by
 * side), so the 2-thread op repeats until the worker has taken some, at most 20 times; every repetition must
 * give the same bits.
 */
async function both(op: () => tf.Tensor): Promise<{ stock: Float32Array; split: Float32Array; splits: number }> {
  await startWasmThreads(1, heap);
  const one = op();
  const stock = one.dataSync() as Float32Array;
  one.dispose();
  const pool = await startWasmThreads(2, heap);
  const spy = jest.spyOn(GemmPool.prototype, 'split');
  let split: Float32Array = new Float32Array(0);
  let runs = 0;
  for (; runs < 20; runs++) {
    const before = pool.workerTasks;
    const two = op();
    const got = two.dataSync() as Float32Array;
    two.dispose();
    const took = wasmGemm().workerTasks - before;
    workerTasks += took;
    if (runs > 0) expect(bits(got).equals(bits(split))).toBe(true);
    split = got;
    if (took > 0) {
      runs++;
      break;
    }
  }
  const splits = spy.mock.calls.length / runs;
  spy.mockRestore();
  return { stock, split, splits };
}

describe('Add and Multiply split among threads on the shared heap', () => {
  beforeAll(async () => {
    const restore = shareNextTfjsWasmHeap();
    await tf.setBackend('wasm');
    restore();
    expect(registerWasmKernels()).toEqual(expect.arrayContaining(['Add', 'Multiply']));
    const h = sharedHeapOf(tf.backend());
    if (!h) throw new Error('the wasm backend did not come up on a shared heap');
    heap = h;
  });
  afterAll(async () => {
    await stopWasmThreads();
  });

  // 2^19 + 3 elements: whole vectors on every thread and a 3-element tail.
  const shape = [128, 4097];
  it('a + b of one shape: the stock kernel bit for bit, and the float32 sum', async () => {
    const [a, b] = [normals(shape), normals(shape)];
    const r = await both(() => tf.add(a, b));
    expect(r.splits).toBe(1);
    expect(bits(r.split).equals(bits(r.stock))).toBe(true);
    const [av, bv] = [a.dataSync(), b.dataSync()];
    const expected = Float32Array.from(av, (v, i) => v + bv[i]!);
    expect(bits(r.split).equals(bits(expected))).toBe(true);
    tf.dispose([a, b]);
  });

  it('x * s and s * x for a scalar s of any rank: the stock kernel bit for bit, and the float32 product', async () => {
    const x = normals(shape);
    const xv = x.dataSync();
    for (const [s, first] of [[tf.scalar(0.7071), true], [tf.tensor([[-3.25]]), false]] as const) {
      const r = await both(() => (first ? tf.mul(x, s) : tf.mul(s, x)));
      expect(r.splits).toBe(1);
      expect(bits(r.split).equals(bits(r.stock))).toBe(true);
      const sv = s.dataSync()[0]!;
      expect(bits(r.split).equals(bits(Float32Array.from(xv, (v) => v * sv)))).toBe(true);
      s.dispose();
    }
    x.dispose();
  });

  it('broadcasts, small tensors and int32 go to the stock kernels, with their values', async () => {
    const a = normals([512, 257]);
    const row = normals([1, 257]);
    const cases: [string, () => tf.Tensor, (i: number) => number][] = [];
    const [av, rv] = [a.dataSync(), row.dataSync()];
    cases.push(['row broadcast', () => tf.add(a, row), (i) => Math.fround(av[i]! + rv[i % 257]!)]);
    cases.push(['product of two tensors', () => tf.mul(a, a), (i) => Math.fround(av[i]! * av[i]!)]);
    const small = normals([100]);
    const sv = small.dataSync();
    cases.push(['small', () => tf.add(small, small), (i) => Math.fround(sv[i]! + sv[i]!)]);
    for (const [name, op, expected] of cases) {
      const r = await both(op);
      expect([name, r.splits]).toEqual([name, 0]);
      expect(r.split.every((v, i) => v === expected(i))).toBe(true);
    }
    const ints = tf.tensor1d(Array.from({ length: 1 << 17 }, (_, i) => i % 1000), 'int32');
    const r = tf.mul(ints, tf.scalar(3, 'int32')).dataSync();
    expect([r[0], r[999], r[1000], r.length]).toEqual([0, 2997, 0, 1 << 17]);
    tf.dispose([a, row, small, ints]);
  });

  it('the worker took chunks (so the split results above include its work)', () => {
    expect(workerTasks).toBeGreaterThan(0);
  });
});
