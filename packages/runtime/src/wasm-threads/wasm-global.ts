import { setFlagsFromString } from 'node:v8';

// The slice of the WebAssembly JS API the engine uses, typed here: the workspace's TypeScript lib (ES2022,
// no DOM) does not declare the WebAssembly global.
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
export interface CompiledModule {
  readonly __compiled?: never;
}
export interface WebAssemblyGlobal {
  Module: new (bytes: Uint8Array) => CompiledModule;
  Instance: new (module: CompiledModule, imports: { env: { memory: SharedMemory } }) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => SharedMemory;
  validate(bytes: Uint8Array): boolean;
}

export function webAssembly(): WebAssemblyGlobal {
  const api = (globalThis as unknown as { WebAssembly?: WebAssemblyGlobal }).WebAssembly;
  if (!api) throw new Error('this runtime has no WebAssembly');
  return api;
}

/**
 * Whether `bytes`, a module using relaxed SIMD (fused multiply-add), validates here. Relaxed SIMD ships in Node
 * 22; Node 20 has it behind a V8 flag, set (process-wide) before validating again.
 */
export function validatesRelaxed(bytes: Uint8Array): boolean {
  const WA = webAssembly();
  if (WA.validate(bytes)) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    return WA.validate(bytes);
  } catch {
    return false;
  }
}
