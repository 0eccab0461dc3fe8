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
