import { BackendNameError } from './errors';

/** Backends a user may ask for (the `backend` option, env `FLOW_BACKEND`). */
export type BackendName = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'native' | 'wasm' | 'cpu';

/** What actually runs: every name but `auto`. */
export type ResolvedBackend = Exclude<BackendName, 'auto'>;

export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu'];

/** Validates a user string (the `backend` option, or env `FLOW_BACKEND`) and returns it typed; throws a `BackendNameError` otherwise. */
export function parseBackendName(value: string, source: 'backend' | 'FLOW_BACKEND' = 'backend'): BackendName {
  const v = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendName;
  throw new BackendNameError(`${source}: unknown backend '${value}'; expected one of ${BACKEND_NAMES.join(', ')}`, source === 'backend' ? 'backend' : undefined);
}
