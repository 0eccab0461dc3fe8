import { BatchMatMul, type BatchMatMulAttrs, type BatchMatMulInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { matMulGeometry } from './mat-mul-geometry';
import { batchIndex } from './batch-index';
import { GEMM_MR, GEMM_NR } from '../wasm-threads/gemm-module';
import { wasmGemm } from '../wasm-threads/engine';
import { packPanels, unpackRows } from '../wasm-threads/pack-panels';
import { heapElementwise } from '../wasm-fused/elementwise-module';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * BatchMatMul on the threaded wasm engine: every product of the (broadcast) batch is copied into the shared
 * memory (transposed operands are read through strides, or packed: no transpose pass) and the whole batch
 * runs as one job, so small products (attention at the low resolutions: many heads x a few hundred tokens)
 * share the threads too.
 */
function batchMatMul(args: { inputs: BatchMatMulInputs; backend: unknown; attrs: BatchMatMulAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  const { transposeA, transposeB } = args.attrs;
  const { m, k, n, aBatchShape, bBatchShape, outBatchShape, batch } = matMulGeometry(a, b, args.attrs, 'wasm');
  const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
  const os = heapF32(backend, out);
  if (batch * m * n === 0) return out;
  if (k === 0) {
    os.fill(0);
    return out;
  }
  const as = heapF32(backend, a);
  const bs = heapF32(backend, b);
  const aAt = batchIndex(aBatchShape, outBatchShape);
  const bAt = batchIndex(bBatchShape, outBatchShape);
  const gemm = wasmGemm();
  gemm.prewake(2 * batch * m * n * k);
  const mPanels = Math.ceil(m / GEMM_MR);
  const nPanels = Math.ceil(n / GEMM_NR);
  const ldc = nPanels * GEMM_NR;
  // On tfjs's shared heap an operand is read where it is when its rows fill whole panels and its batch walks
  // at one stride (every product its own matrix, or one matrix for all), and C is written straight into the
  // output when its blocks tile it exactly; anything else is copied as below.
  const onHeap = gemm.sharesHeapWith(backend);
  const strideOf = (at: (i: number) => number, size: number): number | undefined => {
    const step = batch > 1 ? at(1) - at(0) : 0;
    if (step !== 0 && step !== 1) return undefined;
    for (let i = 0; i < batch; i++) if (at(i) !== at(0) + i * step) return undefined;
    return at(0) === 0 ? step * size : undefined;
  };
  const aStride = onHeap && m % GEMM_MR === 0 ? strideOf(aAt, m * k) : undefined;
  const bStride = onHeap && !transposeB && n % GEMM_NR === 0 ? strideOf(bAt, k * n) : undefined;
  const cInPlace = onHeap && m % GEMM_MR === 0 && n % GEMM_NR === 0;
  // A is copied as it is (row-major, or k-major when transposed; whole row panels, the tail zero) and read
  // with strides; B row-major with its rows padded to whole column panels, or packed when transposed.
  const aBatch = aStride ?? Math.max(mPanels * GEMM_MR, m) * k;
  const bBatch = bStride ?? (transposeB ? nPanels * GEMM_NR * k : k * ldc);
  const [ar, br, cr] = gemm.regions([aStride === undefined ? batch * aBatch : 0, bStride === undefined ? batch * bBatch : 0, cInPlace ? 0 : batch * mPanels * GEMM_MR * ldc]);
  const mem = gemm.floats();
  const ew = onHeap ? heapElementwise(backend) : undefined;
  const ao = aStride === undefined ? ar : as.byteOffset / 4;
  const bo = bStride === undefined ? br : bs.byteOffset / 4;
  const co = cInPlace ? os.byteOffset / 4 : cr;
  for (let i = 0; i < batch; i++) {
    if (aStride === undefined) {
      const a0 = ao + i * aBatch;
      mem.set(as.subarray(aAt(i) * m * k, (aAt(i) + 1) * m * k), a0);
      mem.fill(0, a0 + m * k, a0 + aBatch);
    }
    if (bStride !== undefined) continue;
    const b0 = bo + i * bBatch;
    const bs0 = bAt(i) * k * n;
    if (transposeB) packPanels(bs, bs0, n, k, k, 1, mem, b0, GEMM_NR, k, ew);
    else if (ldc === n) mem.set(bs.subarray(bs0, bs0 + k * n), b0);
    else {
      mem.fill(0, b0, b0 + bBatch);
      if (ew) ew.copy_rows(bs.byteOffset + bs0 * 4, mem.byteOffset + b0 * 4, k, n >> 2, n & 3, n * 4, ldc * 4);
      else for (let kk = 0; kk < k; kk++) mem.set(bs.subarray(bs0 + kk * n, bs0 + (kk + 1) * n), b0 + kk * ldc);
    }
  }
  const l = { batch, m, n, k, mPanels, nPanels, kp: k, a: ao, b: bo, c: co, aBatch, bBatch, cBatch: mPanels * GEMM_MR * ldc, ldc };
  const strides = {
    aRow: transposeA ? 4 : k * 4,
    aStep: transposeA ? m * 4 : 4,
    aPanel: GEMM_MR * (transposeA ? 4 : k * 4),
    bStep: transposeB ? GEMM_NR * 4 : ldc * 4,
    bPanel: transposeB ? GEMM_NR * 4 * k : GEMM_NR * 4,
  };
  gemm.run(l, false, strides);
  if (cInPlace) return out;
  for (let i = 0; i < batch; i++) unpackRows(mem, l.c + i * l.cBatch, ldc, m, n, os, i * m * n, ew);
  return out;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
