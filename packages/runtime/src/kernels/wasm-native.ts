import type { DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-wasm's BackendWasm that our kernels use (structural: the class is not exported as a type we can rely on). */
export interface WasmBackendLike {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    HEAPU8: Uint8Array;
  };
  dataIdMap: { get(dataId: DataId): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Native = (...args: unknown[]) => void;

interface NativeFns {
  conv2d: Native;
  batchMatMul: Native;
  transpose: Native;
}

// cwrap'ed functions per backend instance (a kernel's setupFunc only runs when the backend initialises after
// registration, so we wrap lazily instead).
const cache = new WeakMap<object, NativeFns>();

export function native(backend: WasmBackendLike): NativeFns {
  let fns = cache.get(backend);
  if (!fns) {
    const n = 'number';
    fns = {
      // xId, batch, inH, inW, filterId, fh, fw, padTop, padRight, padBottom, padLeft, isSamePad, dilH, dilW, strideH, strideW, inC, outC, outId
      conv2d: backend.wasm.cwrap('Conv2D', null, Array<string>(19).fill(n)),
      // aId, aShapeBytes, aRank, bId, bShapeBytes, bRank, transposeA, transposeB, outId
      batchMatMul: backend.wasm.cwrap('BatchMatMul', null, [n, 'array', n, n, 'array', n, n, n, n]),
      // xId, xShapeBytes, xRank, dtype, outId, permBytes, permLength
      transpose: backend.wasm.cwrap('Transpose', null, [n, 'array', n, n, n, 'array', n]),
    };
    cache.set(backend, fns);
  }
  return fns;
}

export function idOf(backend: WasmBackendLike, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).id;
}

/** A float32 view of a tensor on the wasm heap. Take views after the last allocation: growing the heap detaches them. */
export function heapF32(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

export function int32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(values).buffer);
}

/** out[b] = a[b] (m x k) times b[b] (k x n), plain (non-transposed) layout: the fast XNNPACK path of the wasm backend. */
export function matMulInto(backend: WasmBackendLike, a: TensorInfo, aShape: [number, number, number], b: TensorInfo, bShape: [number, number, number], out: TensorInfo): void {
  native(backend).batchMatMul(idOf(backend, a), int32Bytes(aShape), 3, idOf(backend, b), int32Bytes(bShape), 3, 0, 0, idOf(backend, out));
}

/** Native transpose of a float32 tensor (shape as given, which may differ from t.shape with the same size). */
export function transposeF32(backend: WasmBackendLike, t: TensorInfo, shape: number[], perm: number[]): TensorInfo {
  const outShape = perm.map((p) => shape[p]);
  const out = backend.makeOutput(outShape, 'float32');
  native(backend).transpose(idOf(backend, t), int32Bytes(shape), shape.length, 0 /* float32 */, idOf(backend, out), int32Bytes(perm), perm.length);
  return out;
}
