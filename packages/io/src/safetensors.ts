import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync, fstatSync } from 'node:fs';
import { tempPathFor } from './atomic-write';
import { decodeElements, encodeElements } from './element-codec';
import { SafetensorsFormatError } from './errors';
import { type DType, itemSize, memoryType, type NdArray, sizeOf } from './ndarray';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const toCode: Record<DType, string> = {
  float16: 'F16',
  bfloat16: 'BF16',
  float32: 'F32',
  float64: 'F64',
  int8: 'I8',
  int16: 'I16',
  int32: 'I32',
  int64: 'I64',
  uint8: 'U8',
  uint16: 'U16',
  uint32: 'U32',
  uint64: 'U64',
  bool: 'BOOL',
};
const fromCode: Record<string, DType> = Object.fromEntries(Object.entries(toCode).map(([k, v]) => [v, k as DType]));

export interface TensorInfo {
  dtype: DType;
  shape: number[];
}

interface Entry extends TensorInfo {
  begin: number;
  end: number;
}

/** Random access to one safetensors file: tensors are read one at a time, so files larger than memory work. */
export class SafetensorsReader {
  readonly metadata: Record<string, string>;
  readonly names: string[];
  private readonly entries = new Map<string, Entry>();
  private readonly dataStart: number;
  private fd: number | null;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (error) {
      throw new SafetensorsFormatError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    try {
      const fileSize = fstatSync(this.fd).size;
      const head = Buffer.alloc(8);
      if (readSync(this.fd, head, 0, 8, 0) !== 8) throw new SafetensorsFormatError(path, 'file is shorter than the 8-byte header length');
      const headerLen = Number(head.readBigUInt64LE(0));
      if (headerLen > 100_000_000 || 8 + headerLen > fileSize) throw new SafetensorsFormatError(path, `header length ${headerLen} does not fit the file (${fileSize} bytes)`);
      const headerBytes = Buffer.alloc(headerLen);
      readSync(this.fd, headerBytes, 0, headerLen, 8);
      let header: unknown;
      try {
        header = JSON.parse(headerBytes.toString('utf8'));
      } catch {
        throw new SafetensorsFormatError(path, 'header is not valid JSON');
      }
      const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
      if (!isObject(header)) throw new SafetensorsFormatError(path, `header must be a JSON object of tensors, got ${header === null ? 'null' : Array.isArray(header) ? 'a list' : typeof header}`);
      this.dataStart = 8 + headerLen;
      const dataSize = fileSize - this.dataStart;
      const meta = header.__metadata__;
      if (meta !== undefined && (!isObject(meta) || !Object.values(meta).every((v) => typeof v === 'string'))) {
        throw new SafetensorsFormatError(path, "field '__metadata__' must be an object of strings");
      }
      this.metadata = (meta ?? {}) as Record<string, string>;
      for (const [name, value] of Object.entries(header)) {
        if (name === '__metadata__') continue;
        if (!isObject(value)) throw new SafetensorsFormatError(path, `tensor '${name}': expected an object with dtype, shape and data_offsets`);
        const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
        const dtype = typeof v.dtype === 'string' ? fromCode[v.dtype] : undefined;
        if (!dtype) throw new SafetensorsFormatError(path, `tensor '${name}': unsupported dtype ${JSON.stringify(v.dtype)}`);
        const shape = v.shape;
        if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsFormatError(path, `tensor '${name}': field 'shape' must be a list of non-negative integers`);
        const off = v.data_offsets;
        if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsFormatError(path, `tensor '${name}': field 'data_offsets' must be [begin, end]`);
        const [begin, end] = off as [number, number];
        if (end - begin !== sizeOf(shape as number[]) * itemSize[dtype] || end > dataSize) {
          throw new SafetensorsFormatError(path, `tensor '${name}': data_offsets [${begin}, ${end}] do not match shape [${shape.join(', ')}] of ${dtype} within ${dataSize} data bytes`);
        }
        this.entries.set(name, { dtype, shape: shape as number[], begin, end });
      }
      this.names = [...this.entries.keys()];
    } catch (error) {
      closeSync(this.fd);
      this.fd = null;
      throw error;
    }
  }

  info(name: string): TensorInfo {
    const e = this.entries.get(name);
    if (!e) throw new SafetensorsFormatError(this.path, `has no tensor '${name}'`);
    return { dtype: e.dtype, shape: [...e.shape] };
  }

  read(name: string): NdArray {
    const e = this.entries.get(name);
    if (!e) throw new SafetensorsFormatError(this.path, `has no tensor '${name}'`);
    if (this.fd === null) throw new Error(`${this.path}: reader is closed`);
    const count = sizeOf(e.shape);
    if (e.dtype !== 'float16' && e.dtype !== 'bfloat16' && e.dtype !== 'bool' && littleEndianHost) {
      // Same layout on disk and in memory: read straight into the array, no staging copy.
      const data = new memoryType[e.dtype](count);
      this.readRange(name, e, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return { dtype: e.dtype, shape: [...e.shape], data };
    }
    const bytes = Buffer.allocUnsafe(e.end - e.begin);
    this.readRange(name, e, bytes);
    return { dtype: e.dtype, shape: [...e.shape], data: decodeElements(bytes, e.dtype, count) };
  }

  private readRange(name: string, e: Entry, target: Uint8Array): void {
    let got = 0;
    while (got < target.length) {
      const n = readSync(this.fd!, target, got, target.length - got, this.dataStart + e.begin + got);
      if (n === 0) throw new SafetensorsFormatError(this.path, `tensor '${name}' is truncated`);
      got += n;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export function openSafetensors(path: string): SafetensorsReader {
  return new SafetensorsReader(path);
}

export function readSafetensors(path: string): { metadata: Record<string, string>; tensors: Record<string, NdArray> } {
  const reader = openSafetensors(path);
  try {
    const tensors: Record<string, NdArray> = {};
    for (const name of reader.names) tensors[name] = reader.read(name);
    return { metadata: reader.metadata, tensors };
  } finally {
    reader.close();
  }
}

/**
 * Streams tensors into a safetensors file in the declared order; the file appears under its name
 * only when `close()` succeeds (temporary file, then rename).
 */
export class SafetensorsWriter {
  private readonly tmp: string;
  private fd: number | null;
  private next = 0;
  private readonly layout: (TensorInfo & { name: string; bytes: number })[];

  constructor(
    readonly path: string,
    entries: { name: string; dtype: DType; shape: number[] }[],
    metadata: Record<string, string> = {},
  ) {
    const header: Record<string, unknown> = {};
    if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
    let offset = 0;
    this.layout = entries.map((e) => {
      if (e.name === '__metadata__') throw new RangeError("SafetensorsWriter: '__metadata__' is not a valid tensor name");
      const bytes = sizeOf(e.shape) * itemSize[e.dtype];
      header[e.name] = { dtype: toCode[e.dtype], shape: e.shape, data_offsets: [offset, offset + bytes] };
      offset += bytes;
      return { ...e, bytes };
    });
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // data starts 8-byte aligned
    const headerBytes = Buffer.from(json, 'utf8');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(headerBytes.length));
    this.tmp = tempPathFor(path);
    this.fd = openSync(this.tmp, 'w');
    this.writeAll(len);
    this.writeAll(headerBytes);
  }

  private writeAll(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd!, bytes, off, bytes.length - off);
  }

  write(name: string, a: NdArray): void {
    if (this.fd === null) throw new Error(`${this.path}: writer is closed`);
    const e = this.layout[this.next];
    if (!e || e.name !== name) {
      this.abort();
      throw new RangeError(`SafetensorsWriter: expected tensor '${e?.name ?? '(none left)'}' next, got '${name}'`);
    }
    if (a.data.length !== sizeOf(e.shape)) {
      this.abort();
      throw new RangeError(`SafetensorsWriter: tensor '${name}' has ${a.data.length} values, its shape [${e.shape.join(', ')}] needs ${sizeOf(e.shape)}`);
    }
    this.writeAll(encodeElements(a.data, e.dtype));
    this.next++;
  }

  close(): void {
    if (this.fd === null) throw new Error(`${this.path}: writer is closed`);
    if (this.next !== this.layout.length) {
      const missing = this.layout[this.next]!.name;
      this.abort();
      throw new RangeError(`SafetensorsWriter: closed before tensor '${missing}' was written`);
    }
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
    renameSync(this.tmp, this.path);
  }

  /** Drops the temporary file; the target path is left as it was. */
  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tmp, { force: true });
  }
}

export function writeSafetensors(path: string, tensors: Record<string, NdArray>, metadata: Record<string, string> = {}): void {
  const names = Object.keys(tensors);
  const writer = new SafetensorsWriter(
    path,
    names.map((name) => ({ name, dtype: tensors[name]!.dtype, shape: tensors[name]!.shape })),
    metadata,
  );
  try {
    for (const name of names) writer.write(name, tensors[name]!);
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.close();
}
