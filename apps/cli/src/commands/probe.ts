import path from 'node:path';
import { readNpz, toFloat32, type NdArray } from '@flow/io';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import { loadMnistDigits } from '@flow/data';
import { linearProbe, loadVelocityModel } from '@flow/trainer';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from '../command';
import { numberOption, parseOptions, requireOption } from '../parse-options';
import { log, printJson } from '../print-json';
import { UsageError } from '../usage-error';

const usage = `usage: flow probe --model DIR --dataset mnist|FILE.npz [--t T] [--train N] [--test M] [--json]

Linear probe of a U-Net's representation (the measure seed 004 reports beside FID): noises the images to
flow time T (x_t = (1 - T) z + T x, z seeded), takes the network's features (the outputs of the input
convolution and of every encoder block, each averaged over its pixels, concatenated), fits a closed-form
ridge classifier on the first N images and reports its accuracy on the next M.

  --model DIR     model directory (flow train, or flow import) with a U-Net
  --dataset D     mnist (the built-in 10,000 digits with their labels; padded to 32x32 if the model is) or
                  FILE.npz holding x (n, H, W, C) in the model's data space and y (n,) integer labels
  --t T           flow time of the features, in [0, 1] (default 0.8: mostly data)
  --train N       training rows (default 2000); --test M: held-out rows after them (default 1000)
  --lambda L      ridge strength, relative to the row count (default 1e-3)
  --seed S        noise seed (default 0); --batch B: images per forward pass (default 100)
  --backend B     auto|wasm|cpu|webgpu|tensorflow|tensorflow-gpu
  --json          print {accuracy, t, feature_dim, train_count, test_count, train_accuracy, classes,
                  features, seconds, backend}`;

function labelled(spec: string, shape: number[]): { x: Float32Array; y: Int32Array } {
  const [h, w, c] = shape as [number, number, number];
  if (spec === 'mnist') {
    const { digits, labels } = loadMnistDigits();
    if (c !== 1 || (h !== 28 && h !== 32) || w !== h) throw new UsageError(`flow probe: --dataset mnist needs a 28x28x1 or 32x32x1 model, this one takes ${shape.join('x')}`);
    if (h === 28) return { x: digits, y: labels };
    const n = labels.length;
    const x = new Float32Array(n * 1024).fill(-1);
    for (let i = 0; i < n; i++) for (let r = 0; r < 28; r++) x.set(digits.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28), i * 1024 + (r + 2) * 32 + 2);
    return { x, y: labels };
  }
  if (path.extname(spec).toLowerCase() !== '.npz') throw new UsageError(`flow probe: --dataset expects mnist or a .npz file with x and y, got '${spec}'`);
  const arrays = readNpz(spec);
  const xa: NdArray | undefined = arrays.x;
  const ya: NdArray | undefined = arrays.y;
  if (!xa || !ya) throw new UsageError(`${spec}: expected arrays 'x' (images) and 'y' (labels), found ${Object.keys(arrays).join(', ') || 'none'}`);
  if (xa.shape.slice(1).join(',') !== shape.join(',')) throw new UsageError(`${spec}: x has shape (${xa.shape.join(', ')}), the model takes (n, ${shape.join(', ')})`);
  if (ya.shape.length !== 1 || ya.shape[0] !== xa.shape[0]) throw new UsageError(`${spec}: y must hold one label per row of x (${xa.shape[0]}), got shape (${ya.shape.join(', ')})`);
  const y = Int32Array.from(toFloat32(ya));
  if (y.some((v, i) => v < 0 || v !== Number(ya.data[i]))) throw new UsageError(`${spec}: y must hold integer labels >= 0`);
  return { x: toFloat32(xa), y };
}

export const probeCommand: Command = {
  name: 'probe',
  summary: 'linear-probe accuracy of a U-Net model (its encoder features at a noise level)',
  usage,
  async run(argv) {
    const { values } = parseOptions('probe', argv, {
      model: { type: 'string' },
      dataset: { type: 'string' },
      t: { type: 'string' },
      train: { type: 'string' },
      test: { type: 'string' },
      lambda: { type: 'string' },
      seed: { type: 'string' },
      batch: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    });
    const dir = requireOption('probe', 'model', values.model);
    const spec = requireOption('probe', 'dataset', values.dataset);
    const t = numberOption('probe', 't', values.t, { min: 0, max: 1 }) ?? 0.8;
    const trainCount = numberOption('probe', 'train', values.train, { integer: true, min: 1 }) ?? 2000;
    const testCount = numberOption('probe', 'test', values.test, { integer: true, min: 1 }) ?? 1000;
    const lambda = numberOption('probe', 'lambda', values.lambda, { min: 0 }) ?? 1e-3;
    const seed = numberOption('probe', 'seed', values.seed, { integer: true, min: 0 }) ?? 0;
    const batch = numberOption('probe', 'batch', values.batch, { integer: true, min: 1 }) ?? 100;
    const info = await initBackend(values.backend);
    const model = await loadVelocityModel(dir);
    try {
      const features = model.features;
      if (!features) throw new UsageError(`flow probe: ${dir}: the model has no encoder features (only U-Net models do)`);
      const { x, y } = labelled(spec, model.shape);
      const dim = model.dim;
      const total = trainCount + testCount;
      if (y.length < total) throw new UsageError(`flow probe: --train ${trainCount} + --test ${testCount} needs ${total} rows, ${spec} has ${y.length}`);
      const rng = new Rng(seed);
      const start = performance.now();
      let featureDim = 0;
      let all = new Float32Array(0);
      for (let s = 0; s < total; s += batch) {
        const m = Math.min(batch, total - s);
        const z = rng.fillNormal(new Float32Array(m * dim));
        const xt = new Float32Array(m * dim);
        for (let i = 0; i < xt.length; i++) xt[i] = (1 - t) * z[i]! + t * x[s * dim + i]!;
        const f = tf.tidy(() => features(tf.tensor(xt, [m, ...model.shape]), tf.fill([m], t) as tf.Tensor1D));
        const data = (await f.data()) as Float32Array;
        if (featureDim === 0) (featureDim = f.shape[1]), (all = new Float32Array(total * featureDim));
        all.set(data, s * featureDim);
        f.dispose();
      }
      const r = linearProbe(
        { features: all.subarray(0, trainCount * featureDim), labels: y.subarray(0, trainCount) },
        { features: all.subarray(trainCount * featureDim), labels: y.subarray(trainCount, total) },
        featureDim,
        { lambda },
      );
      const seconds = (performance.now() - start) / 1000;
      log(`flow probe: t ${t}, ${featureDim} features, ${trainCount} train / ${testCount} test: accuracy ${(100 * r.accuracy).toFixed(1)}% (train ${(100 * r.trainAccuracy).toFixed(1)}%), ${seconds.toFixed(1)} s`);
      if (values.json) {
        printJson({
          accuracy: r.accuracy,
          t,
          feature_dim: featureDim,
          train_count: trainCount,
          test_count: testCount,
          train_accuracy: r.trainAccuracy,
          classes: r.classes,
          features: 'input conv + every encoder block, averaged over pixels',
          seconds,
          backend: info.backend,
        });
      }
    } finally {
      model.dispose();
    }
    return 0;
  },
};
