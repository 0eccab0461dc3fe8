import { Add, util, type TensorInfo } from '@tensorflow/tfjs-core';
import { splitter, vec } from '../wasm-fused/split-call';
import { overStock, type KernelArgs } from './over-stock';
import { heapF32, type WasmBackendLike } from './wasm-native';

/**
 * a + b of two float32 tensors of one shape, large enough to share among the engine's threads (mp_sum with
 * both constants 1: 1 * a + 1 * b is a + b exactly, so the result is the stock kernel's bit for bit).
 * Every other case (broadcasts, other dtypes, small tensors, no worker threads) is the wasm backend's own Add.
 * tfjs sums a tensor's gradients with Add, so the backward pass makes many of these on whole activations.
 */
function add({ inputs, backend }: KernelArgs): TensorInfo | undefined {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !util.arraysEqual(a.shape, b.shape)) return undefined;
  const size = util.sizeFromShape(a.shape);
  const n4 = size >> 2;
  // Only on tfjs's shared heap with worker threads (the pool's own elementwise instance runs the chunks).
  const sp = splitter(size, n4, 4);
  if (!sp) return undefined;
  const wasm = backend as WasmBackendLike;
  const out = wasm.makeOutput([...a.shape], 'float32');
  // Views after the allocation: growing the heap detaches earlier ones.
  const [av, bv, yv] = [heapF32(wasm, a), heapF32(wasm, b), heapF32(wasm, out)];
  sp.pool.split('mp_sum', [vec(av.byteOffset), vec(bv.byteOffset), vec(yv.byteOffset), 0, { float: 1 }, { float: 1 }], 3, n4, sp.chunk);
  for (let i = n4 * 4; i < size; i++) yv[i] = av[i]! + bv[i]!;
  return out;
}

export const addConfig = overStock(Add, add);
