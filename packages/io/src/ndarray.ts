export type DType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/**
 * An n-dimensional array in C (row-major) order. float16/bfloat16 values are held widened in a
 * Float32Array (they are narrowed again when written), bool as a Uint8Array of 0/1.
 */
export interface NdArray {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

type TypedArrayCtor = { new (length: number): TypedArray; BYTES_PER_ELEMENT: number };

/** The in-memory container for each dtype. */
export const memoryType: Record<DType, TypedArrayCtor> = {
  float16: Float32Array,
  bfloat16: Float32Array,
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

/** Bytes per element on disk. */
export const itemSize: Record<DType, number> = {
  float16: 2,
  bfloat16: 2,
  float32: 4,
  float64: 8,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  bool: 1,
};

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Builds an NdArray, checking that the data fits the shape and dtype. */
export function ndarray(dtype: DType, shape: readonly number[], data: TypedArray): NdArray {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new RangeError(`ndarray: shape must hold non-negative integers, got [${shape.join(', ')}]`);
  const n = sizeOf(shape);
  if (data.length !== n) throw new RangeError(`ndarray: shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
  if (!(data instanceof memoryType[dtype])) throw new TypeError(`ndarray: dtype ${dtype} is held in a ${memoryType[dtype].name}, got ${data.constructor.name}`);
  return { dtype, shape: [...shape], data };
}

/** Converts any numeric array to float32 (copies unless it already is float32 data). */
export function toFloat32(a: NdArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(a.data[i]);
  return out;
}

/** Converts any numeric array to float64. */
export function toFloat64(a: NdArray): Float64Array {
  if (a.data instanceof Float64Array) return a.data;
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(a.data[i]);
  return out;
}
