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

/**
 * Makes V8 compile WebAssembly with its optimising tier up front, for the whole process (idempotent). Under
 * dynamic tiering a module starts as baseline code and a function moves up only once it has run enough,
 * compiled on background threads that compete with the engine's workers for the cores: mnist-fast forward
 * passes ran at 22-26 ms for seconds after the warm-up, against 18 ms once every function had moved up (the
 * engine's CPU time per pass 42-47 ms against 35). The modules compile as fast either way here (~0.2 s for tfjs's
 * 0.4 MB and ours); the flag stays set, since tfjs compiles its module asynchronously. `FLOW_WASM_TIERING=dynamic`
 * leaves V8's default.
 */
export function compileWasmUpFront(): void {
  if (upFront || process.env.FLOW_WASM_TIERING === 'dynamic') return;
  upFront = true;
  try {
    setFlagsFromString('--no-wasm-dynamic-tiering');
  } catch {
    // a runtime without the flag tiers as it does
  }
}
let upFront = false;

/** new WebAssembly.Module(bytes), compiled with the optimising tier (compileWasmUpFront). */
export function compileTopTier(bytes: Uint8Array): CompiledModule {
  compileWasmUpFront();
  return new (webAssembly().Module)(bytes);
}
