import * as tf from '@tensorflow/tfjs-core';

export interface MatmulGflops {
  backend: string;
  /** Square matrix size n (n x n times n x n). */
  n: number;
  /** Best time of one matmul, seconds. */
  seconds: number;
  /** 2 n^3 / seconds / 1e9. */
  gflops: number;
}

/**
 * Measures float32 matmul throughput on `backend` (a registered tfjs backend name; default the current one):
 * best of `repeats` after a warm-up, timed with a data read-back so asynchronous backends are counted fully.
 * Restores the previous backend afterwards.
 */
export async function measureMatmulGflops(backend?: string, opts: { n?: number; repeats?: number } = {}): Promise<MatmulGflops> {
  const n = opts.n ?? 512;
  const repeats = opts.repeats ?? 5;
  const previous = tf.getBackend();
  const name = backend ?? previous;
  if (name !== previous && !(await tf.setBackend(name))) throw new Error(`measureMatmulGflops: backend '${name}' failed to initialise`);
  try {
    const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
    const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
    let best = Infinity;
    for (let r = 0; r <= repeats; r++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      const dt = (performance.now() - t0) / 1000;
      c.dispose();
      if (r > 0) best = Math.min(best, dt); // r = 0 warms up
    }
    a.dispose();
    b.dispose();
    return { backend: name, n, seconds: best, gflops: (2 * n * n * n) / best / 1e9 };
  } finally {
    if (tf.getBackend() !== previous) await tf.setBackend(previous);
  }
}
