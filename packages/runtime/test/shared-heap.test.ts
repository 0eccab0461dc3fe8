import { ELEMENTWISE_WASM } from '../src/wasm-fused/elementwise-binary';
import { HEAP_MAX_PAGES, importMemoryAsShared, importSharedMemory, sharedHeapOf, shareNextTfjsWasmHeap } from '../src/wasm-threads/shared-heap';

// What makes tfjs-wasm's heap shared: the module rewrites (checked by instantiating the results), and the
// one-shot instantiate hook. The kernels on a shared heap are tested in wasm-threads.test.ts and init-backend.test.ts.

interface WA {
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, i?: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBufferLike };
  instantiate(b: Uint8Array, i?: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const W = (globalThis as unknown as { WebAssembly: WA }).WebAssembly;
// By tag, not instanceof: jest's realm has its own ArrayBuffer constructors.
const kind = (m: unknown): string => Object.prototype.toString.call((m as { buffer: unknown }).buffer);

// A module shaped like Emscripten's: it imports a function, defines its memory (2 pages), exports it, has a
// data segment and code that reads memory.
const WAT = `(module
  (import "a" "f" (func))
  (memory 2)
  (export "memory" (memory 0))
  (data (i32.const 8) "\\2a")
  (func (export "get") (result i32) (i32.load8_u (i32.const 8))))`;
let DEFINES_MEMORY: Uint8Array;

beforeAll(async () => {
  const wabt = await (await import('wabt')).default();
  const mod = wabt.parseWat('defines-memory.wat', WAT);
  DEFINES_MEMORY = new Uint8Array(mod.toBinary({}).buffer);
  mod.destroy();
});

describe('shared heap', () => {
  it('rewrites a module that defines its memory to import it shared: data, exports and code keep working', () => {
    expect(() => new W.Module(DEFINES_MEMORY)).not.toThrow();
    const r = importSharedMemory(DEFINES_MEMORY);
    if (!r) throw new Error('expected a rewrite');
    expect(r.initialPages).toBe(2);
    const memory = new W.Memory({ initial: 2, maximum: HEAP_MAX_PAGES, shared: true });
    const inst = new W.Instance(new W.Module(r.bytes), { a: { f: () => undefined }, env: { memory } });
    expect((inst.exports.get as () => number)()).toBe(42);
    expect(inst.exports.memory).toBe(memory); // the module's memory export is now the import
    expect(kind(memory)).toBe('[object SharedArrayBuffer]');
    // A module that already imports its memory is left alone.
    expect(importSharedMemory(r.bytes)).toBeUndefined();
  });

  it('retypes the elementwise kernels import as shared: same results on a shared memory', () => {
    const bytes = new Uint8Array(Buffer.from(ELEMENTWISE_WASM, 'base64'));
    const run = (memory: { buffer: ArrayBufferLike }, b: Uint8Array): Float32Array => {
      const ex = new W.Instance(new W.Module(b), { env: { memory } }).exports as { mp_silu(x: number, y: number, n: number): void };
      const f = new Float32Array(memory.buffer);
      for (let i = 0; i < 16; i++) f[i] = (i - 8) / 3;
      ex.mp_silu(0, 64 * 4, 4);
      return f.slice(64, 80);
    };
    const plain = run(new W.Memory({ initial: 1 }), bytes);
    const shared = run(new W.Memory({ initial: 1, maximum: HEAP_MAX_PAGES, shared: true }), importMemoryAsShared(bytes));
    expect(Array.from(shared)).toEqual(Array.from(plain));
    expect(plain.some((v) => v !== 0)).toBe(true);
    expect(() => importMemoryAsShared(DEFINES_MEMORY)).toThrow(/env.memory/);
  });

  it('the instantiate hook shares the next Emscripten-style module only, then takes itself away', async () => {
    const original = W.instantiate;
    const restore = shareNextTfjsWasmHeap();
    expect(W.instantiate).not.toBe(original);
    // Not Emscripten's imports (no emscripten_resize_heap): passed through, the hook stays.
    const plain = await W.instantiate(DEFINES_MEMORY, { a: { f: () => undefined } });
    expect(kind(plain.instance.exports.memory)).toBe('[object ArrayBuffer]');
    expect(W.instantiate).not.toBe(original);
    const imports: { a: object; env: Record<string, unknown> } = { a: { f: () => undefined }, env: { emscripten_resize_heap: () => 0 } };
    const shared = await W.instantiate(DEFINES_MEMORY, imports);
    expect(kind(shared.instance.exports.memory)).toBe('[object SharedArrayBuffer]');
    expect(shared.instance.exports.memory).toBe(imports.env.memory);
    expect(W.instantiate).toBe(original);
    restore(); // idempotent
    expect(W.instantiate).toBe(original);
  });

  it('sharedHeapOf: only a backend whose Emscripten heap is a shared memory with an allocator', () => {
    expect(sharedHeapOf(undefined)).toBeUndefined();
    const plain = new W.Memory({ initial: 1 });
    expect(sharedHeapOf({ wasm: { asm: { memory: plain }, _malloc: () => 8, _free: () => undefined } })).toBeUndefined();
    const memory = new W.Memory({ initial: 1, maximum: 4, shared: true });
    expect(sharedHeapOf({ wasm: { asm: { memory } } })).toBeUndefined();
    const heap = sharedHeapOf({ wasm: { asm: { memory }, _malloc: (n: number) => n + 1, _free: () => undefined } });
    expect(heap?.memory).toBe(memory);
    expect(heap?.malloc(7)).toBe(8);
  });
});
