import { Multiply, backend_util, util, type TensorInfo } from '@tensorflow/tfjs-core';
import { splitter, vec } from '../wasm-fused/split-call';
import { overStock, type KernelArgs } from './over-stock';
import { heapF32, type WasmBackendLike } from './wasm-native';

const sizeOf = (t: TensorInfo): number => util.sizeFromShape(t.shape);

/**
 * x * s for a float32 tensor and a float32 scalar, large enough to share among the engine's threads (one
 * float32 multiply per element, as the stock kernel: the same bits). Every other case is the wasm backend's
 * own Multiply. The backward pass scales whole activations by constants (mp_sum's gradient, the loss).
 */
function multiply({ inputs, backend }: KernelArgs): TensorInfo | undefined {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const [x, s] = sizeOf(b) === 1 ? [a, b] : sizeOf(a) === 1 ? [b, a] : [undefined, undefined];
  if (!x || !s) return undefined;
  const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const size = sizeOf(x);
  if (util.sizeFromShape(shape) !== size) return undefined;
  const n4 = size >> 2;
  // Only on tfjs's shared heap with worker threads (the pool's own elementwise instance runs the chunks).
  const sp = splitter(size, n4, 4);
  if (!sp) return undefined;
  const wasm = backend as WasmBackendLike;
  const out = wasm.makeOutput(shape, 'float32');
  const [xv, yv] = [heapF32(wasm, x), heapF32(wasm, out)];
  const scale = heapF32(wasm, s)[0]!;
  // scale_rows as one row of n4 vectors per chunk (strides unused).
  sp.pool.split('scale_rows', [vec(xv.byteOffset), vec(yv.byteOffset), 1, 0, 0, 0, { float: scale }], 3, n4, sp.chunk);
  for (let i = n4 * 4; i < size; i++) yv[i] = xv[i]! * scale;
  return out;
}

export const multiplyConfig = overStock(Multiply, multiply);
