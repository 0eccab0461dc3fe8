import {
  BatchMatMul,
  util,
  type BatchMatMulAttrs,
  type BatchMatMulInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { matMulGeometry } from './mat-mul-geometry';
import { batchIndex } from './batch-index';
import { heapF32, matMulInto, transposeF32, type WasmBackendLike } from './wasm-native';

/**
 * BatchMatMul on the wasm backend built on its one fast path: XNNPACK's GEMM, which tfjs-backend-wasm only
 * takes for an untransposed, batch-1 product (everything else, transposed operands or batches, runs a plain
 * loop at ~2 GFLOP/s). Transposed operands are transposed explicitly first (the native Transpose, O(size));
 * a batch of products runs as one GEMM per batch entry on copies of its slices (the right operand in a fresh
 * tensor each time: XNNPACK caches the packed right operand by tensor id); a shared right operand (batch 1)
 * folds the whole left batch into one GEMM.
 */
function batchMatMul(args: { inputs: BatchMatMulInputs; backend: unknown; attrs: BatchMatMulAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  const { transposeA, transposeB } = args.attrs;
  const { m, k, n, aBatchShape, bBatchShape, outBatchShape, batch } = matMulGeometry(a, b, args.attrs, 'wasm');
  const aBatch = util.sizeFromShape(aBatchShape);
  const bBatch = util.sizeFromShape(bBatchShape);
  const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
  if (batch * m * n === 0) return out;
  if (k === 0) {
    heapF32(backend, out).fill(0);
    return out;
  }
  const temps: TensorInfo[] = [];
  try {
    // Operands in plain layout: a as [aBatch, m, k], b as [bBatch, k, n].
    const a3 = transposeA ? transposeF32(backend, a, [aBatch, k, m], [0, 2, 1]) : a;
    if (a3 !== a) temps.push(a3);
    const b3 = transposeB ? transposeF32(backend, b, [bBatch, n, k], [0, 2, 1]) : b;
    if (b3 !== b) temps.push(b3);
    if (bBatch === 1) {
      // One right operand for every entry: a single GEMM over all aBatch * m rows (out has batch == aBatch rows).
      matMulInto(backend, a3, [1, aBatch * m, k], b3, [1, k, n], out);
      return out;
    }
    const aAt = batchIndex(aBatchShape, outBatchShape);
    const bAt = batchIndex(bBatchShape, outBatchShape);
    const aSingle = aBatch === 1;
    const aPart = aSingle ? a3 : backend.makeOutput([1, m, k], 'float32');
    if (!aSingle) temps.push(aPart);
    const outPart = backend.makeOutput([1, m, n], 'float32');
    temps.push(outPart);
    for (let i = 0; i < batch; i++) {
      // A fresh right operand per product (XNNPACK's packed-weights cache is keyed by tensor id; disposing drops it).
      const bPart = backend.makeOutput([1, k, n], 'float32');
      try {
        const bi = bAt(i) * k * n;
        heapF32(backend, bPart).set(heapF32(backend, b3).subarray(bi, bi + k * n));
        if (!aSingle) {
          const ai = aAt(i) * m * k;
          heapF32(backend, aPart).set(heapF32(backend, a3).subarray(ai, ai + m * k));
        }
        matMulInto(backend, aPart, [1, m, k], bPart, [1, k, n], outPart);
        heapF32(backend, out).set(heapF32(backend, outPart), i * m * n);
      } finally {
        backend.disposeData(bPart.dataId);
      }
    }
    return out;
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
