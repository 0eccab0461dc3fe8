import { readFileSync } from 'node:fs';
import { decodeElements } from './element-codec';
import { TorchCheckpointError } from './errors';
import { type DType, itemSize, memoryType, type NdArray, sizeOf, type TypedArray } from './ndarray';
import { PickleGlobal, PickleTuple, unpickle, type UnpickleHooks } from './restricted-unpickler';
import { readZip, ZipError } from './zip';

/**
 * What a checkpoint can hold once read: tensors (as NdArray, C order), dicts (a Map, insertion order kept,
 * keys as strings), lists and tuples (arrays), and plain values. Anything else is refused while reading.
 */
export type TorchValue = NdArray | number | bigint | string | boolean | null | Uint8Array | TorchValue[] | TorchDict;
export type TorchDict = Map<string, TorchValue>;

const STORAGE_DTYPES: Record<string, DType> = {
  'torch.FloatStorage': 'float32',
  'torch.DoubleStorage': 'float64',
  'torch.HalfStorage': 'float16',
  'torch.BFloat16Storage': 'bfloat16',
  'torch.LongStorage': 'int64',
  'torch.IntStorage': 'int32',
  'torch.ShortStorage': 'int16',
  'torch.CharStorage': 'int8',
  'torch.ByteStorage': 'uint8',
  'torch.BoolStorage': 'bool',
};

/** Calls a state dict needs; each is rebuilt here from plain data, nothing is imported or run. */
const CALLABLES = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch.Size',
  'torch.device',
  '_codecs.encode',
  'builtins.set',
  'builtins.frozenset',
  '__builtin__.set',
]);

/** dtype objects (e.g. a config field holding torch.float16) read as their names. */
const DTYPE_NAMES = new Set(['float16', 'bfloat16', 'float32', 'float64', 'half', 'float', 'double', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool', 'long', 'int']);

/** Legacy (pre-1.6) torch.save files start with this number, pickled. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** An expanded view may repeat storage elements; beyond this many values a small file could exhaust memory. */
const MAX_EXPANDED = 1 << 24;

class StorageType {
  constructor(readonly dtype: DType) {}
}

class Storage {
  constructor(
    readonly dtype: DType,
    readonly data: TypedArray,
  ) {}
}

/** Reads a storage's elements on demand (and once: tensors sharing a storage share the decoded data). */
type StorageSource = (dtype: DType, key: string, numel: number) => Storage;

function hooksFor(source: string, loadStorage: StorageSource | null): UnpickleHooks {
  const fail = (message: string): never => {
    throw new TorchCheckpointError(source, message);
  };
  const int = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return fail(`${what} must be a non-negative integer, got ${describe(v)}`);
    return v;
  };
  const ints = (v: unknown, what: string): number[] => {
    if (!(v instanceof PickleTuple) && !Array.isArray(v)) return fail(`${what} must be a tuple of integers, got ${describe(v)}`);
    return (v instanceof PickleTuple ? v.items : v).map((x, i) => int(x, `${what}[${i}]`));
  };
  const rebuildTensor = (args: unknown[]): NdArray | null => {
    if (args.length < 4) return fail(`_rebuild_tensor needs (storage, offset, size, stride), got ${args.length} arguments`);
    const [storage, offsetArg, sizeArg, strideArg] = args;
    const offset = int(offsetArg, 'tensor offset');
    const shape = ints(sizeArg, 'tensor size');
    const stride = ints(strideArg, 'tensor stride');
    if (storage === null && loadStorage === null) return null; // first pass over a legacy file
    if (!(storage instanceof Storage)) return fail(`_rebuild_tensor expects a storage, got ${describe(storage)}`);
    if (stride.length !== shape.length) return fail(`tensor size (${shape.join(', ')}) and stride (${stride.join(', ')}) differ in length`);
    return materialise(storage, offset, shape, stride, fail);
  };
  return {
    fail,
    global(name) {
      const dtype = STORAGE_DTYPES[name];
      if (dtype) return new StorageType(dtype);
      if (CALLABLES.has(name)) return new PickleGlobal(name);
      if (name.startsWith('torch.') && DTYPE_NAMES.has(name.slice(6))) return name;
      return fail(`refusing global ${name} (a state dict needs only tensors, storages and OrderedDict; nothing in this file was run)`);
    },
    reduce(callable, args) {
      if (!(callable instanceof PickleGlobal)) return fail(`refusing to call ${describe(callable)}`);
      switch (callable.name) {
        case 'collections.OrderedDict': {
          const d = new Map<unknown, unknown>();
          const pairs = args[0];
          if (args.length > 1) return fail('OrderedDict takes at most one argument');
          if (pairs !== undefined) {
            const list = pairs instanceof PickleTuple ? pairs.items : pairs;
            if (!Array.isArray(list)) return fail('OrderedDict argument must be a list of pairs');
            for (const pair of list) {
              const kv = pair instanceof PickleTuple ? pair.items : pair;
              if (!Array.isArray(kv) || kv.length !== 2 || typeof kv[0] !== 'string') return fail('OrderedDict argument must be a list of (string, value) pairs');
              d.set(kv[0], kv[1]);
            }
          }
          return d;
        }
        case 'torch._utils._rebuild_tensor':
        case 'torch._utils._rebuild_tensor_v2':
          return rebuildTensor(args);
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state':
          if (args.length < 1) return fail('_rebuild_parameter needs its tensor');
          return args[0];
        case 'torch.Size':
          return args.length === 1 ? ints(args[0], 'torch.Size') : fail('torch.Size takes one tuple');
        case 'torch.device':
          return args.map((a) => String(a)).join(':');
        case '_codecs.encode': {
          const [s, enc] = args;
          if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) return fail('_codecs.encode is accepted only as (str, latin1), the way protocol 2 stores bytes');
          return new Uint8Array(Buffer.from(s, 'latin1'));
        }
        default: {
          // set / frozenset of a list
          const items = args[0];
          if (args.length > 1 || (items !== undefined && !Array.isArray(items))) return fail(`${callable.name} expects one list`);
          return items === undefined ? [] : [...(items as unknown[])];
        }
      }
    },
    persistentLoad(pid) {
      const t = pid instanceof PickleTuple ? pid.items : null;
      if (!t || t[0] !== 'storage' || t.length < 5) return fail(`persistent id ${describe(pid)} is not a torch storage`);
      const [, type, key, , numel] = t;
      if (!(type instanceof StorageType)) return fail(`storage type ${describe(type)} is not a known storage type`);
      if (typeof key !== 'string') return fail(`storage key ${describe(key)} is not a string`);
      const n = int(numel, `storage ${key} size`);
      if (loadStorage === null) return null;
      const root = loadStorage(type.dtype, key, n);
      const view = t[5];
      if (view === undefined || view === null) return root;
      // Legacy files: (view_key, offset, size) of a storage view.
      const v = view instanceof PickleTuple ? view.items : [];
      const off = int(v[1], 'storage view offset');
      const size = int(v[2], 'storage view size');
      if (off + size > root.data.length) return fail(`storage view [${off}, ${off + size}) exceeds storage ${key} (${root.data.length} elements)`);
      return new Storage(root.dtype, root.data.subarray(off, off + size));
    },
    build(target, state) {
      // OrderedDict state: the `_metadata` attribute torch attaches to state dicts. Nothing else is built.
      if (target instanceof Map && (state === null || state instanceof Map)) return target;
      return fail(`refusing to set the state of ${describe(target)}`);
    },
  };
}

/** Gathers a (possibly strided, offset, non-contiguous) view of a storage into a fresh C-order array. */
function materialise(storage: Storage, offset: number, shape: number[], stride: number[], fail: (m: string) => never): NdArray {
  const n = sizeOf(shape);
  const src = storage.data;
  if (n > 0) {
    let last = offset;
    for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * stride[d]!;
    if (last >= src.length) return fail(`tensor of size (${shape.join(', ')}) stride (${stride.join(', ')}) at offset ${offset} reads past its storage (${src.length} elements)`);
    if (n > src.length && n > MAX_EXPANDED) return fail(`tensor of size (${shape.join(', ')}) repeats its ${src.length}-element storage into ${n} values; refusing to expand it`);
  }
  const out = new memoryType[storage.dtype](n);
  let contiguous = true;
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    if (shape[d]! !== 1 && stride[d] !== s) contiguous = false;
    s *= shape[d]!;
  }
  if (contiguous) {
    (out as Float32Array).set((src as Float32Array).subarray(offset, offset + n));
  } else {
    const idx = new Array<number>(shape.length).fill(0);
    let pos = offset;
    for (let i = 0; i < n; i++) {
      (out as Float32Array)[i] = (src as Float32Array)[pos]!;
      for (let d = shape.length - 1; d >= 0; d--) {
        idx[d]!++;
        pos += stride[d]!;
        if (idx[d]! < shape[d]!) break;
        pos -= shape[d]! * stride[d]!;
        idx[d] = 0;
      }
    }
  }
  return { dtype: storage.dtype, shape, data: out };
}

function describe(v: unknown): string {
  if (v instanceof PickleGlobal) return v.name;
  if (v instanceof PickleTuple) return `a tuple of ${v.items.length}`;
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return v === null ? 'None' : typeof v === 'object' ? 'an object' : String(v);
}

/** Pickle values -> TorchValue (tuples become arrays, storages 1-D arrays); shared parts stay shared, cycles are refused. */
function toTorchValue(v: unknown, source: string): TorchValue {
  const done = new Map<object, TorchValue>();
  const active = new Set<object>();
  const walk = (x: unknown): TorchValue => {
    if (x === null || typeof x === 'number' || typeof x === 'bigint' || typeof x === 'string' || typeof x === 'boolean') return x;
    if (x instanceof Uint8Array) return x;
    if (x instanceof PickleGlobal) return x.name;
    if (x instanceof StorageType) return `storage type ${x.dtype}`;
    if (x instanceof Storage) return { dtype: x.dtype, shape: [x.data.length], data: x.data };
    if (typeof x !== 'object' || x === undefined) throw new TorchCheckpointError(source, `unexpected value ${describe(x)}`);
    if (isNdArray(x)) return x;
    const seen = done.get(x);
    if (seen !== undefined) return seen;
    if (active.has(x)) throw new TorchCheckpointError(source, 'the pickle refers to itself (a cycle); a state dict has none');
    active.add(x);
    let out: TorchValue;
    if (x instanceof Map) {
      const m: TorchDict = new Map();
      for (const [k, val] of x) m.set(String(k), walk(val));
      out = m;
    } else if (x instanceof PickleTuple) out = x.items.map(walk);
    else if (Array.isArray(x)) out = x.map(walk);
    else throw new TorchCheckpointError(source, `unexpected value ${describe(x)}`);
    active.delete(x);
    done.set(x, out);
    return out;
  };
  return walk(v);
}

/** Whether a TorchValue is a tensor. */
export function isNdArray(v: unknown): v is NdArray {
  return typeof v === 'object' && v !== null && !(v instanceof Map) && !Array.isArray(v) && !(v instanceof Uint8Array) && 'dtype' in v && 'shape' in v && 'data' in v;
}

function parseZipCheckpoint(bytes: Uint8Array, source: string): TorchValue {
  let entries;
  try {
    entries = readZip(bytes);
  } catch (error) {
    if (error instanceof ZipError) throw new TorchCheckpointError(source, error.message);
    throw error;
  }
  const pkl = entries.filter((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (pkl.length !== 1) throw new TorchCheckpointError(source, `expected one data.pkl member in the archive, found ${pkl.length} (is this a torch.save file?)`);
  const prefix = pkl[0]!.name.slice(0, -'data.pkl'.length);
  const members = new Map(entries.map((e) => [e.name, e.data]));
  const order = members.get(`${prefix}byteorder`);
  const littleEndian = order === undefined || new TextDecoder().decode(order).trim() !== 'big';
  const cache = new Map<string, Storage>();
  const load: StorageSource = (dtype, key, numel) => {
    const hit = cache.get(key);
    if (hit) {
      if (hit.dtype !== dtype) throw new TorchCheckpointError(source, `storage ${key} is read as both ${hit.dtype} and ${dtype}`);
      return hit;
    }
    const data = members.get(`${prefix}data/${key}`);
    if (!data) throw new TorchCheckpointError(source, `storage ${key}: member ${prefix}data/${key} is missing`);
    if (data.length < numel * itemSize[dtype]) throw new TorchCheckpointError(source, `storage ${key}: ${numel} ${dtype} elements need ${numel * itemSize[dtype]} bytes, the member has ${data.length}`);
    const s = new Storage(dtype, decodeElements(data, dtype, numel, littleEndian));
    cache.set(key, s);
    return s;
  };
  const { value } = unpickle(pkl[0]!.data, 0, hooksFor(source, load));
  return toTorchValue(value, source);
}

/** The pre-1.6 format: magic, protocol, system info, the object, the storage keys, then each storage (int64 count + bytes). */
function parseLegacyCheckpoint(bytes: Uint8Array, source: string): TorchValue {
  const plain = hooksFor(source, null);
  let r = unpickle(bytes, 0, plain);
  if (r.value !== LEGACY_MAGIC) throw new TorchCheckpointError(source, 'not a torch.save file (neither a zip archive nor the legacy magic number)');
  r = unpickle(bytes, r.end, plain);
  if (r.value !== 1001) throw new TorchCheckpointError(source, `legacy protocol version ${describe(r.value)} is not supported (expected 1001)`);
  r = unpickle(bytes, r.end, plain);
  const info = r.value;
  const littleEndian = !(info instanceof Map) || info.get('little_endian') !== false;
  const objectStart = r.end;
  // First pass: find where the object ends and which storages it declares (their data follows it).
  const declared = new Map<string, { dtype: DType; numel: number }>();
  const scan = hooksFor(source, null);
  const scanPersistent = scan.persistentLoad!;
  scan.persistentLoad = (pid) => {
    scanPersistent(pid);
    const t = (pid as PickleTuple).items;
    declared.set(t[2] as string, { dtype: (t[1] as StorageType).dtype, numel: t[4] as number });
    return null;
  };
  r = unpickle(bytes, objectStart, scan);
  r = unpickle(bytes, r.end, plain);
  const keys = r.value;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new TorchCheckpointError(source, 'the storage key list is not a list of strings');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Storage>();
  let p = r.end;
  for (const key of keys as string[]) {
    const d = declared.get(key);
    if (!d) throw new TorchCheckpointError(source, `storage ${key} is listed but never used`);
    if (p + 8 > bytes.length) throw new TorchCheckpointError(source, `storage ${key} is truncated`);
    const count = Number(view.getBigInt64(p, littleEndian));
    const nbytes = count * itemSize[d.dtype];
    if (count !== d.numel || p + 8 + nbytes > bytes.length) throw new TorchCheckpointError(source, `storage ${key}: ${count} elements recorded, ${d.numel} declared, ${bytes.length - p - 8} bytes left`);
    storages.set(key, new Storage(d.dtype, decodeElements(bytes.subarray(p + 8, p + 8 + nbytes), d.dtype, count, littleEndian)));
    p += 8 + nbytes;
  }
  const load: StorageSource = (dtype, key) => {
    const s = storages.get(key);
    if (!s) throw new TorchCheckpointError(source, `storage ${key} has no data`);
    if (s.dtype !== dtype) throw new TorchCheckpointError(source, `storage ${key} is read as both ${s.dtype} and ${dtype}`);
    return s;
  };
  const { value } = unpickle(bytes, objectStart, hooksFor(source, load));
  return toTorchValue(value, source);
}

/**
 * Parses the bytes of a `torch.save` file (zip format, or the legacy pre-1.6 format) without executing
 * anything: only the globals a state dict needs are understood; any other is refused by name.
 */
export function parseTorchCheckpoint(bytes: Uint8Array, source = '<torch checkpoint>'): TorchValue {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return parseZipCheckpoint(bytes, source);
  if (bytes.length >= 2 && bytes[0] === 0x80) return parseLegacyCheckpoint(bytes, source);
  throw new TorchCheckpointError(source, 'not a torch.save file (expected a zip archive or a pickle)');
}

export function readTorchCheckpoint(path: string): TorchValue {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new TorchCheckpointError(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseTorchCheckpoint(bytes, path);
}
