// The slice of the WebAssembly JS API this package uses, typed locally: the workspace's TypeScript lib
// (ES2022, no DOM) does not declare the WebAssembly global.
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmMemory {
  /** A SharedArrayBuffer for shared memories; typed as ArrayBuffer so typed-array views accept it. */
  readonly buffer: ArrayBuffer;
}
export type WasmExports = Record<string, unknown>;
export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: WasmExports };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

export function getWasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}
