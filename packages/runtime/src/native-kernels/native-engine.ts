import type * as NativeModule from '@flow/native';

/** The loaded @flow/native module (an optional dependency, so it is imported dynamically by initBackend). */
export type NativeEngine = typeof NativeModule;

let engine: NativeEngine | undefined;

export function setNativeEngine(m: NativeEngine): void {
  engine = m;
}

export function nativeEngine(): NativeEngine {
  if (!engine) throw new Error('the native kernels ran before initBackend loaded @flow/native');
  return engine;
}
