import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '@flow/random';
import type { WasmBackendLike } from '../src/kernels/wasm-native';
import { down2x } from '../src/wasm-fused/down2x';
import { simdFusedEngine as E } from '../src/wasm-fused/simd-fused-engine';
import { up2x } from '../src/wasm-fused/up2x';
import { startWasmThreads, stopWasmThreads, wasmGemm } from '../src/wasm-threads/engine';
import { GemmPool } from '../src/wasm-threads/gemm-pool';
import { shareNextTfjsWasmHeap, sharedHeapOf, type WasmHeap } from '../src/wasm-threads/shared-heap';

// On tfjs's shared heap with worker threads, the fused elementwise kernels split large calls into chunks every
// thread takes. Each element (pixel, row) depends on its own inputs alone, so the split results must be
// bit-identical to one call on the calling thread (a 1-thread pool: no workers, no split), tails included.

type View = Float32Array;
let heap: WasmHeap;
let backend: WasmBackendLike;
const rng = new Rng(21);
const kept: tf.Tensor[] = [];

function onHeap(data: Float32Array): View {
  const t = tf.tensor1d(data);
  kept.push(t);
  return backend.typedArrayFromHeap(t as unknown as Parameters<WasmBackendLike['typedArrayFromHeap']>[0]) as View;
}
const normals = (n: number, scale = 3): View => onHeap(rng.fillNormal(new Float32Array(n)).map((v) => v * scale));
const zeros = (n: number): View => onHeap(new Float32Array(n));

let workerTasks = 0;

/**
 * Runs `call` (which writes the given outputs) on a 1-thread pool and on a 2-thread one; returns both outputs
 * and how many calls were split. Whether the worker wakes in time to take chunks depends on the machine's load
 * (CI runs test suites side by side), so the 2-thread call repeats until the worker has taken some, at most 20
 * times; every repetition must give the same bits.
 */
async function both(outputs: View[], call: () => void): Promise<{ one: Float32Array[]; two: Float32Array[]; splits: number }> {
  await startWasmThreads(1, heap);
  call();
  const one = outputs.map((o) => Float32Array.from(o));
  const pool = await startWasmThreads(2, heap);
  const spy = jest.spyOn(GemmPool.prototype, 'split');
  let two: Float32Array[] = [];
  let splits = 0;
  for (let run = 0; run < 20; run++) {
    outputs.forEach((o) => o.fill(Number.NaN));
    const before = pool.workerTasks;
    call();
    const took = wasmGemm().workerTasks - before;
    workerTasks += took;
    const got = outputs.map((o) => Float32Array.from(o));
    if (run === 0) {
      two = got;
      splits = spy.mock.calls.length;
    } else got.forEach((o, i) => expect(Buffer.from(o.buffer).equals(Buffer.from(two[i]!.buffer))).toBe(true));
    if (took > 0) break;
  }
  spy.mockRestore();
  return { one, two, splits };
}

function expectSame(r: { one: Float32Array[]; two: Float32Array[]; splits: number }): void {
  expect(r.splits).toBeGreaterThan(0);
  r.two.forEach((o, i) => {
    expect(o.some((v) => v !== 0)).toBe(true);
    expect(Buffer.from(o.buffer).equals(Buffer.from(r.one[i]!.buffer))).toBe(true);
  });
}

describe('fused kernels split among threads on the shared heap', () => {
  beforeAll(async () => {
    const restore = shareNextTfjsWasmHeap();
    await tf.setBackend('wasm');
    restore();
    backend = tf.backend() as unknown as WasmBackendLike;
    const h = sharedHeapOf(backend);
    if (!h) throw new Error('the wasm backend did not come up on a shared heap');
    heap = h;
  });
  afterAll(async () => {
    tf.dispose(kept);
    await stopWasmThreads();
  });

  // Large enough that a chunk outlasts waking the worker (~0.1 ms), so it takes some: 2^18 vectors and a tail.
  const n = (1 << 20) + 1;
  it('mp_silu and its gradient', async () => {
    const [x, dy, y, dx] = [normals(n), normals(n), zeros(n), zeros(n)];
    expectSame(await both([y], () => E.mpSilu(x, y)));
    expectSame(await both([dx], () => E.mpSiluGrad(x, dy, dx)));
  });

  // 12 channels: each image's float64 sums (96 bytes) sit in a scratch line pair of their own.
  it.each([[4, 48 * 48, 96], [4, 40 * 40, 12]])('mp_silu with per-image scales (chunks never straddle images) and its gradient: %i images of %i pixels x %i', async (batch, hw, c) => {
    const [x, s, y] = [normals(batch * hw * c), normals(batch * c, 1), zeros(batch * hw * c)];
    expectSame(await both([y], () => E.mpSiluMod(x, s, hw, c, y)));
    // The gradient: one image a task, the scales' gradient summed per image in float64 in the same order.
    const [dy, dx, ds] = [normals(batch * hw * c), zeros(batch * hw * c), zeros(batch * c)];
    expectSame(await both([dx, ds], () => E.mpSiluModGrad(x, s, dy, hw, c, dx, ds)));
  });

  it('mp_sum and the clip gradient (float arguments)', async () => {
    const [a, b, y, dx] = [normals(n), normals(n), zeros(n), zeros(n)];
    expectSame(await both([y], () => E.mpSum(a, b, 0.8, 0.6, y)));
    expectSame(await both([dx], () => E.clipByValueGrad(a, b, -1.5, 2.25, dx)));
  });

  it('mp_cat and its gradient (rows with strides)', async () => {
    const [rows, na, nb] = [20000, 32, 16];
    const [a, b, y] = [normals(rows * na), normals(rows * nb), zeros(rows * (na + nb))];
    expectSame(await both([y], () => E.mpCat(a, b, na, nb, 0.7, 0.3, y)));
    const [da, db] = [zeros(rows * na), zeros(rows * nb)];
    expectSame(await both([da, db], () => E.mpCatGrad(y, na, nb, 0.7, 0.3, da, db)));
  });

  it('normalize and its gradient (rows)', async () => {
    const [rows, c] = [16001, 64];
    const [x, dy, y, dx] = [normals(rows * c), normals(rows * c), zeros(rows * c), zeros(rows * c)];
    expectSame(await both([y], () => E.rowNormalize(x, c, 1e-4, y)));
    expectSame(await both([dx], () => E.rowNormalizeGrad(x, dy, c, 1e-4, dx)));
  });

  it('2x resampling (rows of pixels, several images): the TypeScript loops bit for bit', async () => {
    const [n, h, w, c] = [3, 40, 36, 20];
    const [x, small, down, up] = [normals(n * h * w * c), normals((n * h * w * c) / 4), zeros((n * h * w * c) / 4), zeros(n * h * w * c)];
    const r = await both([down], () => E.down2x(x, h, w, c, 0.25, down));
    expectSame(r);
    const ref = new Float32Array(down.length);
    down2x(x, h, w, c, 0.25, ref);
    expect(Buffer.from(r.two[0]!.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    const u = await both([up], () => E.up2x(small, h / 2, w / 2, c, 0.7, up));
    expectSame(u);
    const refUp = new Float32Array(up.length);
    up2x(small, h / 2, w / 2, c, 0.7, refUp);
    expect(Buffer.from(u.two[0]!.buffer).equals(Buffer.from(refUp.buffer))).toBe(true);
  });

  it('refuses split calls off the shared heap, and a task of several units without a count argument', async () => {
    const own = new GemmPool(1);
    expect(() => own.split('mp_silu', [0, 0, 0], 2, 8, 4)).toThrow(/shared heap/);
    await own.close();
    const pool = await startWasmThreads(2, heap);
    expect(() => pool.split('mp_silu_mod_grad', [0, 0, 0, 0, 0, 4, 1], -1, 8, 2)).toThrow(/one unit a task/);
  });

  it('the worker took chunks (so the split results above include its work)', () => {
    expect(workerTasks).toBeGreaterThan(0);
  });
});
