import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { parseBackendName, type BackendName, type ResolvedBackend } from './backend-name';
import { BackendThreadsError, BackendUnavailableError } from './errors';
import { registerGradients } from './register-gradients';
import { registerWasmKernels } from './register-wasm-kernels';
import { registerNativeKernels } from './register-native-kernels';
import type { NativeEngine } from './native-kernels/native-engine';
import { explainSyncReads } from './explain-sync-reads';
import { setupWebgpuGlobals } from './webgpu-globals';
import { registerChunkedAddN } from './webgpu-kernels/add-n-chunked';
import { startWasmThreads } from './wasm-threads/engine';
import { shareNextTfjsWasmHeap, sharedHeapOf } from './wasm-threads/shared-heap';

export interface InitBackendOptions {
  /** How long `webgpu` waits for an adapter before giving up (ms). Default 3000 (`auto`: 1500). */
  adapterTimeoutMs?: number;
  /** Threads of the `native` and `wasm` engines (default: env FLOW_THREADS, else every core). Other backends ignore it. */
  threads?: number;
}

export interface BackendAttempt {
  backend: ResolvedBackend;
  ok: boolean;
  /** Why it was skipped or failed (empty when ok). */
  error: string;
}

export interface BackendInfo {
  /** The backend that runs (`tensorflow-gpu` when tfjs-node-gpu loaded, although tfjs names it `tensorflow`). */
  backend: ResolvedBackend;
  /** `tf.getBackend()` after init: `tensorflow`, `webgpu`, `wasm` or `cpu`. */
  tfjsBackend: string;
  requested: BackendName;
  /** One line for logs: what was chosen and why the ones before it were skipped. */
  reason: string;
  tried: BackendAttempt[];
  /** The device behind a GPU backend where it can be named (webgpu: the adapter's name and driver). */
  device?: string;
}

const AUTO_ORDER: ResolvedBackend[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm', 'cpu'];

let current: BackendInfo | undefined;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isModuleNotFound(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

// A literal import() passed as `load` lets a bundler include the package (tfjs-node stays a runtime lookup: it is native).
async function importOptional(pkg: string, backend: ResolvedBackend, load: () => Promise<unknown> = () => import(pkg)): Promise<void> {
  try {
    await load();
  } catch (e) {
    if (isModuleNotFound(e)) {
      throw new BackendUnavailableError(
        backend,
        `the optional package ${pkg} is not installed (npm install ${pkg})`,
      );
    }
    throw new BackendUnavailableError(backend, `loading ${pkg} failed: ${message(e)}`);
  }
}

async function activate(backend: ResolvedBackend, tfjsName: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(tfjsName);
  } catch (e) {
    throw new BackendUnavailableError(backend, `initialising the ${tfjsName} backend failed: ${message(e)}`);
  }
  if (!ok) throw new BackendUnavailableError(backend, `the ${tfjsName} backend failed to initialise`);
  await tf.ready();
}

/** Threads for the native or wasm engine: the option, else env FLOW_THREADS (validated here), else undefined (every core). */
function engineThreads(opts: InitBackendOptions): number | undefined {
  const fromEnv = opts.threads === undefined && process.env.FLOW_THREADS ? process.env.FLOW_THREADS : undefined;
  const value = opts.threads ?? (fromEnv !== undefined ? Number(fromEnv) : undefined);
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw new BackendThreadsError(`${fromEnv !== undefined ? 'FLOW_THREADS' : 'threads'}: expected a positive integer, got '${fromEnv ?? opts.threads}'`, fromEnv !== undefined ? undefined : 'threads');
  }
  return value;
}

async function tryNative(opts: InitBackendOptions): Promise<{ tfjsBackend: string; detail: string }> {
  const threads = engineThreads(opts);
  let engine: NativeEngine;
  try {
    engine = await import('@flow/native');
  } catch (e) {
    if (isModuleNotFound(e)) throw new BackendUnavailableError('native', 'the optional package @flow/native is not installed (npm install @flow/native)');
    throw new BackendUnavailableError('native', `loading @flow/native failed: ${message(e)}`);
  }
  if (!engine.isNativeAvailable()) throw new BackendUnavailableError('native', `@flow/native has no addon here: ${engine.nativeUnavailableReason()}`);
  if (threads !== undefined) engine.setNativeThreads(threads);
  await import('@tensorflow/tfjs-backend-wasm');
  registerNativeKernels(engine);
  await activate('native', 'wasm');
  const info = engine.nativeInfo();
  return { tfjsBackend: 'wasm', detail: `wasm backend with conv, matmul and fused EDM2 ops in @flow/native: OpenBLAS ${info.blasCore}, ${info.threads} thread${info.threads === 1 ? '' : 's'}` };
}

async function tryBackend(backend: ResolvedBackend, opts: InitBackendOptions, auto: boolean): Promise<{ tfjsBackend: string; device?: string; detail?: string }> {
  switch (backend) {
    case 'tensorflow-gpu':
      await importOptional('@tensorflow/tfjs-node-gpu', backend);
      await activate(backend, 'tensorflow');
      return { tfjsBackend: 'tensorflow' };
    case 'tensorflow':
      await importOptional('@tensorflow/tfjs-node', backend);
      await activate(backend, 'tensorflow');
      return { tfjsBackend: 'tensorflow' };
    case 'webgpu': {
      const device = await setupWebgpuGlobals(opts.adapterTimeoutMs ?? (auto ? 1500 : 3000), { rejectSoftware: auto });
      await importOptional('@tensorflow/tfjs-backend-webgpu', backend, () => import('@tensorflow/tfjs-backend-webgpu'));
      registerChunkedAddN();
      await activate(backend, 'webgpu');
      explainSyncReads(tf.backend() as unknown as Parameters<typeof explainSyncReads>[0]);
      return { tfjsBackend: 'webgpu', device };
    }
    case 'native':
      return tryNative(opts);
    case 'wasm': {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmKernels();
      // tfjs-wasm's heap becomes a shared memory the engine works on in place, if this call is what first
      // initialises the backend (FLOW_WASM_SHARED_HEAP=0 keeps tfjs's own heap: operands are copied then).
      const initialised = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm !== undefined;
      const restore = initialised || process.env.FLOW_WASM_SHARED_HEAP === '0' ? undefined : shareNextTfjsWasmHeap();
      try {
        await activate(backend, 'wasm');
      } finally {
        restore?.();
      }
      const threads = engineThreads(opts) ?? Math.max(1, availableParallelism());
      const heap = sharedHeapOf(tf.backend());
      let variant: string;
      try {
        variant = (await startWasmThreads(threads, heap)).variant;
      } catch (e) {
        throw new BackendUnavailableError(backend, `starting the wasm GEMM engine failed: ${message(e)}`);
      }
      const where = heap ? "tfjs's heap, shared" : 'shared memory, operands copied';
      return { tfjsBackend: 'wasm', detail: `conv and matmul on the wasm GEMM engine (${variant}, ${threads} thread${threads === 1 ? '' : 's'} on ${where})` };
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      await activate(backend, 'cpu');
      // The cpu backend's one-time "install tfjs-node" banner would land in every CLI's stderr.
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      return { tfjsBackend: 'cpu' };
  }
}

/**
 * Selects and initialises the TensorFlow.js backend. `name` defaults to env `FLOW_BACKEND`, else `auto`,
 * which tries tfjs-node-gpu, tfjs-node (optional peers), WebGPU (only where an adapter answers), native (the
 * wasm backend with @flow/native's multi-threaded conv/matmul, where its addon built), then wasm
 * (always present) and cpu. On wasm it registers this package's training kernels (registerWasmKernels) and
 * starts the wasm GEMM engine's worker threads (`threads`, else env FLOW_THREADS, else every core).
 * It also registers gradient rules (registerGradients: tfjs-core has none in Node).
 * An explicitly named backend that cannot run throws BackendUnavailableError (never falls back silently).
 */
export async function initBackend(name?: BackendName | string, opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const fromEnv = name === undefined && process.env.FLOW_BACKEND ? process.env.FLOW_BACKEND : undefined;
  registerGradients();
  const requested = parseBackendName(name ?? fromEnv ?? 'auto', fromEnv !== undefined ? 'FLOW_BACKEND' : 'backend');
  // A thread count (option or FLOW_THREADS) is validated, and applied, on every call that may pick native or wasm.
  const threads = requested === 'native' || requested === 'wasm' || requested === 'auto' ? engineThreads(opts) : undefined;
  if (current && current.requested === requested && tf.getBackend() === current.tfjsBackend && threads === undefined) return current;
  const order = requested === 'auto' ? AUTO_ORDER : [requested];
  const tried: BackendAttempt[] = [];
  for (const backend of order) {
    try {
      const { tfjsBackend, device, detail } = await tryBackend(backend, opts, requested === 'auto');
      tried.push({ backend, ok: true, error: '' });
      const skipped = tried.filter((t) => !t.ok).map((t) => `${t.backend}: ${t.error}`);
      const reason =
        (requested === 'auto'
          ? `auto chose ${backend}` + (skipped.length ? ` (skipped ${skipped.join('; ')})` : '')
          : `${backend} as requested`) + (device ? ` on ${device}` : '') + (detail ? `: ${detail}` : '');
      current = { backend, tfjsBackend, requested, reason, tried, ...(device ? { device } : {}) };
      return current;
    } catch (e) {
      if (requested !== 'auto') throw e;
      tried.push({ backend, ok: false, error: e instanceof BackendUnavailableError ? e.reason : message(e) });
    }
  }
  throw new BackendUnavailableError('auto', `no backend could start (${tried.map((t) => `${t.backend}: ${t.error}`).join('; ')})`);
}
