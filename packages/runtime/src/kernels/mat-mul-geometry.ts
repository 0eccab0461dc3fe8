import { broadcast_util, util, type BatchMatMulAttrs, type TensorInfo } from '@tensorflow/tfjs-core';

/** The shapes of a BatchMatMul (tfjs's own checks and messages), shared by the wasm and native kernels. */
export interface MatMulGeometry {
  m: number;
  k: number;
  n: number;
  aBatchShape: number[];
  bBatchShape: number[];
  outBatchShape: number[];
  /** Products in the (broadcast) output batch. */
  batch: number;
}

export function matMulGeometry(a: TensorInfo, b: TensorInfo, attrs: BatchMatMulAttrs, engine: string): MatMulGeometry {
  const { transposeA, transposeB } = attrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`BatchMatMul on ${engine} supports float32 tensors only`);
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = transposeA ? a.shape[ar - 1]! : a.shape[ar - 2]!;
  const k = transposeA ? a.shape[ar - 2]! : a.shape[ar - 1]!;
  const kb = transposeB ? b.shape[br - 1]! : b.shape[br - 2]!;
  const n = transposeB ? b.shape[br - 2]! : b.shape[br - 1]!;
  util.assert(k === kb, () => `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const outBatchShape = broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  return { m, k, n, aBatchShape, bBatchShape, outBatchShape, batch: util.sizeFromShape(outBatchShape) };
}
