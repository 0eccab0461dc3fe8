import { BatchMatMul, util, type BatchMatMulAttrs, type BatchMatMulInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { matMulGeometry } from '../kernels/mat-mul-geometry';
import { batchIndex } from '../kernels/batch-index';
import { heapF32, type WasmBackendLike } from '../kernels/wasm-native';
import { nativeEngine } from './native-engine';

/**
 * BatchMatMul by the native engine: OpenBLAS sgemm reads transposed operands in place, and broadcast batch
 * dimensions become per-product operand indices. A shared right operand folds the left batch into one GEMM.
 */
function batchMatMul(args: { inputs: BatchMatMulInputs; backend: unknown; attrs: BatchMatMulAttrs }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const a = args.inputs.a as TensorInfo;
  const b = args.inputs.b as TensorInfo;
  const { transposeA, transposeB } = args.attrs;
  const { m, k, n, aBatchShape, bBatchShape, outBatchShape, batch } = matMulGeometry(a, b, args.attrs, 'native');
  const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
  if (batch * m * n === 0) return out;
  const o = heapF32(backend, out);
  if (k === 0) {
    o.fill(0);
    return out;
  }
  const av = heapF32(backend, a);
  const bv = heapF32(backend, b);
  const native = nativeEngine();
  if (util.sizeFromShape(bBatchShape) === 1 && !transposeA) {
    // One right operand for every entry: the whole left batch is one [batch * m, k] matrix.
    native.batchMatMul(av, bv, o, 1, batch * m, n, k, { transposeB, aIndex: new Int32Array([0]), bIndex: new Int32Array([0]) });
    return out;
  }
  const aAt = batchIndex(aBatchShape, outBatchShape);
  const bAt = batchIndex(bBatchShape, outBatchShape);
  const aIndex = Int32Array.from({ length: batch }, (_, i) => aAt(i));
  const bIndex = Int32Array.from({ length: batch }, (_, i) => bAt(i));
  native.batchMatMul(av, bv, o, batch, m, n, k, { transposeA, transposeB, aIndex, bIndex });
  return out;
}

export const nativeBatchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
