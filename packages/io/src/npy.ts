import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write';
import { decodeElements, encodeElements } from './element-codec';
import { NpyFormatError } from './errors';
import { type DType, itemSize, type NdArray, sizeOf } from './ndarray';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const descrToDType: Record<string, DType> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};

const dtypeToDescr: Record<DType, string> = {
  float16: '<f2',
  bfloat16: '<f4', // NumPy has no bfloat16: written widened to float32
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  int16: '<i2',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  uint16: '<u2',
  uint32: '<u4',
  uint64: '<u8',
  bool: '|b1',
};

interface NpyHeader {
  dtype: DType;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

function parseHeader(bytes: Uint8Array, source: string): NpyHeader {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new NpyFormatError(source, 'not a NumPy .npy file (the magic string \\x93NUMPY is missing)');
  }
  const major = bytes[6]!;
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = bytes[8]! | (bytes[9]! << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyFormatError(source, 'header is truncated');
    headerLen = (bytes[8]! | (bytes[9]! << 8) | (bytes[10]! << 16)) + bytes[11]! * 2 ** 24;
    start = 12;
  } else {
    throw new NpyFormatError(source, `unsupported .npy format version ${major}.${bytes[7]} (expected 1.0, 2.0 or 3.0)`);
  }
  if (start + headerLen > bytes.length) throw new NpyFormatError(source, `header is truncated (needs ${headerLen} bytes)`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(text)?.[1];
  if (!descr) throw new NpyFormatError(source, `header field 'descr' is missing or not a simple dtype string: ${text.trim()}`);
  const order = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  if (!order) throw new NpyFormatError(source, "header field 'fortran_order' is missing (expected True or False)");
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (shapeText === undefined) throw new NpyFormatError(source, "header field 'shape' is missing (expected a tuple of integers)");

  const byteOrder = descr[0]!;
  const code = /^[<>|=]/.test(descr) ? descr.slice(1) : descr;
  const dtype = descrToDType[code];
  if (!dtype) {
    throw new NpyFormatError(source, `field 'descr': unsupported dtype '${descr}' (expected float16/32/64, int8-64, uint8-64 or bool)`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new NpyFormatError(source, `field 'shape': '${s}' is not a non-negative integer`);
      return n;
    });
  return { dtype, littleEndian: byteOrder !== '>', fortranOrder: order === 'True', shape, dataOffset: start + headerLen };
}

/** Reorders Fortran-order data into C order. */
function fortranToC<T extends NdArray['data']>(data: T, shape: number[]): T {
  if (shape.length < 2) return data;
  const out = new (data.constructor as { new (n: number): T })(data.length);
  const nd = shape.length;
  const cStrides = new Array<number>(nd);
  const fStrides = new Array<number>(nd);
  cStrides[nd - 1] = 1;
  for (let k = nd - 2; k >= 0; k--) cStrides[k] = cStrides[k + 1]! * shape[k + 1]!;
  fStrides[0] = 1;
  for (let k = 1; k < nd; k++) fStrides[k] = fStrides[k - 1]! * shape[k - 1]!;
  const idx = new Array<number>(nd).fill(0);
  for (let f = 0; f < data.length; f++) {
    let c = 0;
    for (let k = 0; k < nd; k++) c += idx[k]! * cStrides[k]!;
    (out as unknown as number[])[c] = (data as unknown as number[])[f]!;
    for (let k = 0; k < nd; k++) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Parses the bytes of a .npy file; `source` names it in errors. */
export function parseNpy(bytes: Uint8Array, source = '<npy bytes>'): NdArray {
  const h = parseHeader(bytes, source);
  const count = sizeOf(h.shape);
  const need = count * itemSize[h.dtype];
  const available = bytes.length - h.dataOffset;
  if (available < need) {
    throw new NpyFormatError(source, `data is truncated: shape [${h.shape.join(', ')}] of ${h.dtype} needs ${need} bytes, the file has ${available}`);
  }
  let data = decodeElements(bytes.subarray(h.dataOffset, h.dataOffset + need), h.dtype, count, h.littleEndian);
  if (h.fortranOrder) data = fortranToC(data, h.shape);
  return { dtype: h.dtype, shape: h.shape, data };
}

export function readNpy(path: string): NdArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new NpyFormatError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseNpy(bytes, path);
}

/** Encodes an array as a little-endian, C-order .npy (format 1.0, or 2.0 for very long headers). */
export function encodeNpy(a: NdArray): Uint8Array {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  const dict = `{'descr': '${dtypeToDescr[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const diskType: DType = a.dtype === 'bfloat16' ? 'float32' : a.dtype;
  const body = encodeElements(a.data, diskType);
  let version = 1;
  let prefix = 10;
  let total = prefix + dict.length + 1;
  if (Math.ceil(total / 64) * 64 - prefix > 0xffff) {
    version = 2;
    prefix = 12;
    total = prefix + dict.length + 1;
  }
  const padded = Math.ceil(total / 64) * 64;
  const headerLen = padded - prefix;
  const header = dict + ' '.repeat(padded - total) + '\n';
  const out = new Uint8Array(padded + body.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) {
    out[8] = headerLen & 0xff;
    out[9] = headerLen >>> 8;
  } else {
    new DataView(out.buffer).setUint32(8, headerLen, true);
  }
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(body, padded);
  return out;
}

export function writeNpy(path: string, a: NdArray): void {
  writeFileAtomic(path, encodeNpy(a));
}
