import { readArrayFile, toFloat32, writeNpy, ndarray } from '@flow/io';
import { initBackend } from '@flow/runtime';
import { loadFlowModel } from '@flow/trainer';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { log, printJson } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `usage: flow velocity --model M --x X.npy --t T.npy --out V.npy [--batch N] [--json]

Evaluates the model's velocity v(x_i, t_i) row by row (flow time: t = 0 noise, t = 1 data).

  --model M     gmm:SPEC.json, a model directory from flow train, or one from flow import
  --x FILE      states (.npy/.npz), shape (n, ...) with rows of the model's size; image models take the
                layout flow sample writes: (n, H, W, C), channels last (NHWC), in the model's data space
  --t FILE      times in [0, 1]: n values (shape (n,) or (n, 1)) or a single value for every row
  --out FILE    velocities, float32 .npy, the shape of X
  --batch N     rows evaluated at once (default 64)
  --backend B   auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu
  --json        print {n, dim, out, seconds, backend, identity}`;

export const velocityCommand: Command = {
  name: 'velocity',
  summary: 'evaluate a model velocity v(x, t) on given states and times',
  usage,
  async run(argv) {
    const { values } = parseOptions('velocity', argv, {
      model: { type: 'string' },
      x: { type: 'string' },
      t: { type: 'string' },
      out: { type: 'string' },
      batch: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    });
    const spec = requireOption('velocity', 'model', values.model);
    const xPath = requireOption('velocity', 'x', values.x);
    const tPath = requireOption('velocity', 't', values.t);
    const out = requireOption('velocity', 'out', values.out);
    const batch = numberOption('velocity', 'batch', values.batch, { integer: true, min: 1 }) ?? 64;
    const xa = readArrayFile(xPath);
    const ta = readArrayFile(tPath);
    const n = xa.shape[0] ?? 0;
    if (xa.shape.length < 1 || n < 1) throw new UsageError(`${xPath}: expected an array (n, ...) with n >= 1, got shape (${xa.shape.join(', ')})`);
    const x = toFloat32(xa);
    const tv = toFloat32(ta);
    if (tv.length !== n && tv.length !== 1) throw new UsageError(`${tPath}: expected ${n} times (one per row of ${xPath}) or one, got ${tv.length}`);
    for (let i = 0; i < tv.length; i++) if (!(tv[i]! >= 0 && tv[i]! <= 1)) throw new UsageError(`${tPath}: time ${i} is ${tv[i]}, expected a value in [0, 1]`);
    const info = await initBackend(values.backend);
    const model = await loadFlowModel(spec);
    try {
      const dim = x.length / n;
      if (dim !== model.dim) throw new UsageError(`${xPath}: rows have ${dim} values but the model expects ${model.dim} (shape ${model.shape.join('x')})`);
      const v = new Float32Array(x.length);
      const start = performance.now();
      for (let s = 0; s < n; s += batch) {
        const m = Math.min(batch, n - s);
        const t = tv.length === 1 ? new Float32Array(m).fill(tv[0]!) : tv.subarray(s, s + m);
        const y = tf.tidy(() => model.velocity(tf.tensor(x.subarray(s * dim, (s + m) * dim), [m, ...model.shape]), tf.tensor1d(t)));
        v.set((await y.data()) as Float32Array, s * dim);
        y.dispose();
      }
      const seconds = (performance.now() - start) / 1000;
      writeNpy(out, ndarray('float32', xa.shape, v));
      log(`flow velocity: ${n} rows, ${seconds.toFixed(2)} s -> ${out}`);
      if (values.json) printJson({ n, dim, out, seconds, backend: info.backend, identity: model.identity });
    } finally {
      model.dispose();
    }
    return 0;
  },
};
