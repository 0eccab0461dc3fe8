import { BatchMatMul, type BatchMatMulAttrs, type BatchMatMulInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { matMulGeometry } from './mat-mul-geometry';
import { batchIndex } from './batch-index';
import { GEMM_MR, GEMM_NR } from '../wasm-threads/gemm-module';
import { wasmGemm } from '../wasm-threads/engine';
import { packPanels, unpackRows } from '../wasm-threads/pack-panels';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * BatchMatMul on the threaded wasm engine: every product of the (broadcast) batch is packed into the shared
 * memory, transposed operands through the packing strides (no transpose pass), and the whole batch runs as
 * one job, so small products (attention at the low resolutions: many heads x a few hundred tokens) share
 * the threads too.
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
  const l = gemm.layout(batch, m, n, k);
  const mem = gemm.floats();
  for (let i = 0; i < batch; i++) {
    // A element (row r, depth d): a[r][d], or a[d][r] transposed; B element (column j, depth d) likewise.
    packPanels(as, aAt(i) * m * k, m, k, transposeA ? 1 : k, transposeA ? m : 1, mem, l.a + i * l.aBatch, GEMM_MR, l.kp);
    packPanels(bs, bAt(i) * k * n, n, k, transposeB ? k : 1, transposeB ? 1 : n, mem, l.b + i * l.bBatch, GEMM_NR, l.kp);
  }
  gemm.run(l);
  for (let i = 0; i < batch; i++) unpackRows(mem, l.c + i * l.cBatch, l.ldc, m, n, os, i * m * n);
  return out;
}

export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
