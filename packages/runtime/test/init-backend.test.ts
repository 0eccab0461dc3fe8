import * as tf from '@tensorflow/tfjs-core';
import { BackendNameError, BackendUnavailableError, initBackend, parseBackendName } from '../src';
import { stopWasmThreads } from '../src/wasm-threads/engine';
import { nativeConv2DConfig } from '../src/native-kernels/conv2d';
import { nativeMpSiluConfig } from '../src/native-kernels/mp-silu';
import { WASM_FUSED_KERNELS } from '../src/wasm-fused/wasm-fused-kernels';

describe('initBackend', () => {
  const saved = process.env.FLOW_BACKEND;
  afterAll(() => stopWasmThreads());
  afterEach(() => {
    if (saved === undefined) delete process.env.FLOW_BACKEND;
    else process.env.FLOW_BACKEND = saved;
  });

  it('wasm: threads from the option start the wasm GEMM engine on that many threads', async () => {
    const info = await initBackend('wasm', { threads: 2 });
    expect(info.reason).toMatch(/^wasm as requested: conv and matmul on the wasm GEMM engine \((relaxed-SIMD FMA|SIMD128), 2 threads on tfjs's heap, shared\)$/);
    // The wasm backend was first initialised by that call: its heap is a shared memory the engine works on.
    expect((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer).toBeInstanceOf(SharedArrayBuffer);
    await expect(initBackend('wasm', { threads: 0 })).rejects.toThrow(/^threads: expected a positive integer, got '0'/);
    await stopWasmThreads();
  });

  it('wasm: runs on wasm with the training kernels and gradients registered', async () => {
    const info = await initBackend('wasm');
    expect(info).toMatchObject({ backend: 'wasm', tfjsBackend: 'wasm', requested: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
  });

  it('cpu', async () => {
    const info = await initBackend('cpu');
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('reads FLOW_BACKEND when no name is given', async () => {
    process.env.FLOW_BACKEND = 'cpu';
    expect((await initBackend()).requested).toBe('cpu');
    process.env.FLOW_BACKEND = 'nope';
    await expect(initBackend()).rejects.toThrow(/FLOW_BACKEND: unknown backend 'nope'/);
  });

  it('an explicit backend that is not installed fails clearly, never falls back', async () => {
    // tfjs-node(-gpu) are optional peers that this machine cannot install (libtensorflow download).
    let hasNode = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      hasNode = false;
    }
    if (hasNode) return;
    const err = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).kind).toBe('input');
    expect((err as Error).message).toMatch(/^backend tensorflow: the optional package @tensorflow\/tfjs-node is not installed/);
    expect(err).toMatchObject({ field: 'backend', reason: expect.stringMatching(/^the optional package/) });
  });

  it('webgpu without an adapter fails with a clear message', async () => {
    const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
    if (nav?.gpu) return; // a machine with WebGPU: nothing to assert here
    const err = await initBackend('webgpu', { adapterTimeoutMs: 3000 }).catch((e: unknown) => e);
    if (!(err instanceof Error)) return; // an adapter answered: webgpu runs
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.message).toMatch(/^backend webgpu: /);
    // No half-installed navigator.gpu is left behind for other code to trip on.
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
  });

  it('native: the wasm backend with the native conv/matmul kernels, threads from the option; wasm puts the stock ones back', async () => {
    const native = await import('@flow/native');
    if (!native.isNativeAvailable()) {
      console.warn(`native backend test skipped: ${native.nativeUnavailableReason()}`);
      const err = await initBackend('native').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendUnavailableError);
      return;
    }
    const before = native.getNativeThreads();
    await initBackend('wasm'); // the stock Conv2D has run its setup
    const info = await initBackend('native', { threads: 1 });
    expect(info).toMatchObject({ backend: 'native', tfjsBackend: 'wasm', requested: 'native' });
    expect(info.reason).toMatch(/^native as requested: wasm backend with conv, matmul and fused EDM2 ops in @flow\/native: OpenBLAS \S+, 1 thread$/);
    expect(native.getNativeThreads()).toBe(1);
    expect(tf.getKernel('Conv2D', 'wasm')).toBe(nativeConv2DConfig);
    expect(tf.getKernel('FlowMpSilu', 'wasm')).toBe(nativeMpSiluConfig);
    // The wasm engine's conv of mp_silu is not inherited: networks compose mp_silu and the native conv.
    expect(tf.getKernel('FlowMpSiluConv2D', 'wasm')).toBeUndefined();
    expect(tf.getKernel('FlowMpSiluConv2DBackpropFilter', 'wasm')).toBeUndefined();
    const y = tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same');
    expect(Array.from(y.dataSync())).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    await initBackend('wasm');
    expect(tf.getKernel('Conv2D', 'wasm')).not.toBe(nativeConv2DConfig);
    // The fused EDM2 kernels switch to their TypeScript loops, and back to C on native.
    for (const k of WASM_FUSED_KERNELS) expect(tf.getKernel(k.kernelName, 'wasm')).toBe(k);
    expect(tf.getKernel('FlowMpSiluConv2D', 'wasm')).toBeDefined();
    expect(Array.from(tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, 1, 'same').dataSync())).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    await initBackend('native', { threads: 1 });
    expect(tf.getKernel('FlowMpSilu', 'wasm')).toBe(nativeMpSiluConfig);
    await initBackend('wasm');
    expect(tf.getKernel('FlowMpSilu', 'wasm')).toBe(WASM_FUSED_KERNELS.find((k) => k.kernelName === 'FlowMpSilu'));
    native.setNativeThreads(before);
  });

  it('threads must be a positive integer (option or FLOW_THREADS)', async () => {
    await expect(initBackend('native', { threads: 0 })).rejects.toThrow(/^threads: expected a positive integer, got '0'/);
    process.env.FLOW_THREADS = 'two';
    try {
      await expect(initBackend('native')).rejects.toThrow(/^FLOW_THREADS: expected a positive integer, got 'two'/);
    } finally {
      delete process.env.FLOW_THREADS;
    }
  });

  it('auto picks the first backend that starts and says why the others were skipped', async () => {
    const info = await initBackend('auto');
    expect(info.requested).toBe('auto');
    expect(['tensorflow-gpu', 'tensorflow', 'webgpu', 'native', 'wasm']).toContain(info.backend);
    expect(info.tried[info.tried.length - 1]).toEqual({ backend: info.backend, ok: true, error: '' });
    for (const t of info.tried.slice(0, -1)) expect(t.error.length).toBeGreaterThan(0);
    expect(info.reason).toMatch(new RegExp(`^auto chose ${info.backend}`));
  });

  it('rejects unknown names as bad input', () => {
    expect(() => parseBackendName('gpu')).toThrow(BackendNameError);
    expect(() => parseBackendName('gpu')).toThrow(/^backend: unknown backend 'gpu'; expected one of auto, tensorflow-gpu/);
    expect(parseBackendName(' WASM ')).toBe('wasm');
  });
});
