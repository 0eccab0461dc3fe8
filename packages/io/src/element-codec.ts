import { bfloatToFloat, floatToBfloat, floatToHalf, halfToFloat } from './half';
import { type DType, itemSize, memoryType, type TypedArray } from './ndarray';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes `count` elements of `dtype` stored at `bytes` (any alignment, either byte order) into a fresh
 * typed array that owns its memory.
 */
export function decodeElements(bytes: Uint8Array, dtype: DType, count: number, littleEndian = true): TypedArray {
  const size = itemSize[dtype];
  const out = new memoryType[dtype](count);
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const f = out as Float32Array;
    const conv = dtype === 'float16' ? halfToFloat : bfloatToFloat;
    for (let i = 0; i < count; i++) {
      const b0 = bytes[2 * i]!;
      const b1 = bytes[2 * i + 1]!;
      f[i] = conv(littleEndian ? b0 | (b1 << 8) : (b0 << 8) | b1);
    }
    return f;
  }
  const target = new Uint8Array(out.buffer, out.byteOffset, count * size);
  target.set(bytes.subarray(0, count * size));
  if (size > 1 && littleEndian !== littleEndianHost) {
    for (let i = 0; i < target.length; i += size) target.subarray(i, i + size).reverse();
  }
  if (dtype === 'bool') {
    for (let i = 0; i < count; i++) if (target[i]! > 1) target[i] = 1;
  }
  return out;
}

/** Encodes typed-array data as little-endian bytes of `dtype` (narrowing float16/bfloat16). */
export function encodeElements(data: TypedArray, dtype: DType): Uint8Array {
  const size = itemSize[dtype];
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const out = new Uint8Array(data.length * 2);
    const conv = dtype === 'float16' ? floatToHalf : floatToBfloat;
    for (let i = 0; i < data.length; i++) {
      const h = conv(Number(data[i]));
      out[2 * i] = h & 0xff;
      out[2 * i + 1] = h >>> 8;
    }
    return out;
  }
  const view = new Uint8Array(data.buffer, data.byteOffset, data.length * size);
  if (littleEndianHost) return view;
  const out = view.slice();
  for (let i = 0; i < out.length; i += size) out.subarray(i, i + size).reverse();
  return out;
}
