import { GEMM_MAX_PAGES, uleb } from './gemm-module';
import type { SharedMemory } from './wasm-global';

// tfjs-backend-wasm's heap is an ordinary WebAssembly.Memory that its module defines, so the GEMM engine's
// workers cannot see it and every kernel copied its operands into the engine's own shared memory and its
// result back, on the calling thread. At load time we rewrite the module (its bytes, never its code paths) to
// import a shared memory instead; the kernels, the workers and tfjs then work on one heap, in place.

/** The shared heap's limit: the GEMM module's (every byte offset an int32). tfjs's own heap could grow to 4 GiB. */
export const HEAP_MAX_PAGES = GEMM_MAX_PAGES;

const MEMORY_SECTION = 5;
const IMPORT_SECTION = 2;
const KIND_MEMORY = 0x02;
const LIMITS_SHARED_MAX = 0x03;

function readUleb(b: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    if (at >= b.length) throw new RangeError('truncated LEB128');
    byte = b[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

interface Section {
  id: number;
  body: Uint8Array;
}

function sections(b: Uint8Array): Section[] {
  if (b.length < 8 || b[0] !== 0 || b[1] !== 0x61 || b[2] !== 0x73 || b[3] !== 0x6d) throw new Error('not a WebAssembly module');
  const out: Section[] = [];
  let at = 8;
  while (at < b.length) {
    const id = b[at]!;
    const [size, body] = readUleb(b, at + 1);
    out.push({ id, body: b.subarray(body, body + size) });
    at = body + size;
  }
  return out;
}

function assemble(header: Uint8Array, parts: Section[]): Uint8Array {
  const chunks = parts.flatMap((s) => [new Uint8Array([s.id, ...uleb(s.body.length)]), s.body]);
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
  out.set(header.subarray(0, 8));
  let at = 8;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/**
 * A module that defines one memory, rewritten to import it as a shared `env.memory` of at most `maxPages`
 * (its exports, data segments and code keep memory index 0, now the import). Undefined when the module does
 * not define exactly one memory or already imports one.
 */
export function importSharedMemory(bytes: Uint8Array, maxPages = HEAP_MAX_PAGES): { bytes: Uint8Array; initialPages: number } | undefined {
  const parts = sections(bytes);
  const memory = parts.find((s) => s.id === MEMORY_SECTION);
  const imports = parts.find((s) => s.id === IMPORT_SECTION);
  if (!memory || !imports) return undefined;
  const [count, limitsAt] = readUleb(memory.body, 0);
  if (count !== 1) return undefined;
  const [initialPages] = readUleb(memory.body, limitsAt + 1);
  if (initialPages > maxPages || importsMemory(imports.body)) return undefined;
  const [n, rest] = readUleb(imports.body, 0);
  const entry = [...name('env'), ...name('memory'), KIND_MEMORY, LIMITS_SHARED_MAX, ...uleb(initialPages), ...uleb(maxPages)];
  const body = new Uint8Array([...uleb(n + 1), ...imports.body.subarray(rest), ...entry]);
  const rewritten = parts.filter((s) => s.id !== MEMORY_SECTION).map((s) => (s === imports ? { id: s.id, body } : s));
  return { bytes: assemble(bytes, rewritten), initialPages };
}

/** Whether an import section imports a memory. */
function importsMemory(body: Uint8Array): boolean {
  let [n, at] = readUleb(body, 0);
  for (; n > 0; n--) {
    let len: number;
    [len, at] = readUleb(body, at);
    at += len;
    [len, at] = readUleb(body, at);
    at += len;
    const kind = body[at++];
    if (kind === KIND_MEMORY) return true;
    if (kind === 0x00) [, at] = readUleb(body, at); // function: type index
    else if (kind === 0x01) {
      at++; // table: element type, then limits
      const flags = body[at++]!;
      [, at] = readUleb(body, at);
      if (flags & 1) [, at] = readUleb(body, at);
    } else if (kind === 0x03) at += 2; // global: value type, mutability
    else throw new Error(`unknown import kind ${kind}`);
  }
  return false;
}

/**
 * A module whose first import is `env.memory` (non-shared), rewritten to import it shared with at most
 * `maxPages` (a shared memory can only be imported as shared): our elementwise kernels on a shared tfjs heap.
 */
export function importMemoryAsShared(bytes: Uint8Array, maxPages = HEAP_MAX_PAGES): Uint8Array {
  const parts = sections(bytes);
  const imports = parts.find((s) => s.id === IMPORT_SECTION);
  if (!imports) throw new Error('the module imports nothing');
  const b = imports.body;
  const [count, first] = readUleb(b, 0);
  let at = first;
  const field = (): string => {
    const [len, from] = readUleb(b, at);
    at = from + len;
    return new TextDecoder().decode(b.subarray(from, at));
  };
  const mod = field();
  const what = field();
  if (count < 1 || mod !== 'env' || what !== 'memory' || b[at] !== KIND_MEMORY) throw new Error('expected the module to import env.memory first');
  const flags = b[at + 1]!;
  let initial: number;
  [initial, at] = readUleb(b, at + 2);
  if (flags & 1) [, at] = readUleb(b, at);
  const entry = [...name('env'), ...name('memory'), KIND_MEMORY, LIMITS_SHARED_MAX, ...uleb(initial), ...uleb(maxPages)];
  const body = new Uint8Array([...uleb(count), ...entry, ...b.subarray(at)]);
  return assemble(bytes, parts.map((s) => (s === imports ? { id: s.id, body } : s)));
}

/** The slice of Emscripten's module tfjs-backend-wasm keeps at `backend.wasm`. */
interface EmscriptenModule {
  HEAPU8?: Uint8Array;
  asm?: { memory?: SharedMemory };
  _malloc?: (bytes: number) => number;
  _free?: (ptr: number) => void;
}

/** tfjs's heap when it is shared, with its allocator: tensors and the engine's scratch live side by side. */
export interface WasmHeap {
  memory: SharedMemory;
  malloc(bytes: number): number;
  free(ptr: number): void;
}

/** The backend's heap if it is a shared memory (the wasm backend initialised after shareNextTfjsWasmHeap), else undefined. */
export function sharedHeapOf(backend: unknown): WasmHeap | undefined {
  const m = (backend as { wasm?: EmscriptenModule } | undefined)?.wasm;
  const memory = sharedHeapMemory(backend);
  if (!m || !memory || !m._malloc || !m._free) return undefined;
  const malloc = m._malloc;
  const free = m._free;
  return { memory, malloc: (bytes) => malloc(bytes), free: (ptr) => free(ptr) };
}

/** The backend's heap memory if it is shared, else undefined: the check kernels make on every call, allocating nothing. */
export function sharedHeapMemory(backend: unknown): SharedMemory | undefined {
  const memory = (backend as { wasm?: EmscriptenModule } | undefined)?.wasm?.asm?.memory;
  return memory && memory.buffer instanceof SharedArrayBuffer ? memory : undefined;
}

interface InstantiateApi {
  instantiate(source: unknown, imports?: Record<string, Record<string, unknown>>): Promise<unknown>;
  Memory: new (d: { initial: number; maximum: number; shared: true }) => SharedMemory;
}

/**
 * Until the next Emscripten module that defines its memory is instantiated (tfjs-backend-wasm's, when
 * `tf.setBackend('wasm')` first initialises it), WebAssembly.instantiate gives that module a shared memory
 * instead. Returns the function that takes the hook away (call it once the backend is up, whether or not
 * it fired). Other modules pass through untouched.
 */
export function shareNextTfjsWasmHeap(): () => void {
  const WA = (globalThis as unknown as { WebAssembly: InstantiateApi }).WebAssembly;
  const original = WA.instantiate;
  let restored = false;
  const restore = (): void => {
    if (!restored && WA.instantiate === hooked) WA.instantiate = original;
    restored = true;
  };
  const hooked = function (this: unknown, source: unknown, imports?: Record<string, Record<string, unknown>>): Promise<unknown> {
    const env = imports?.env;
    const bytes = source instanceof Uint8Array ? source : source instanceof ArrayBuffer ? new Uint8Array(source) : undefined;
    if (bytes && env && typeof env.emscripten_resize_heap === 'function' && env.memory === undefined) {
      const shared = importSharedMemory(bytes);
      if (shared) {
        restore();
        env.memory = new WA.Memory({ initial: shared.initialPages, maximum: HEAP_MAX_PAGES, shared: true });
        return original.call(WA, shared.bytes, imports);
      }
    }
    return original.call(WA, source, imports);
  };
  WA.instantiate = hooked;
  return restore;
}
