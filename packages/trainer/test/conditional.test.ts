import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ArraySampler } from '@flow/data';
import { writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import {
  dropLabels,
  guidedFlowModel,
  guidedVelocity,
  loadFlowModel,
  loadVelocityModel,
  resume,
  RunDirectory,
  sampleModel,
  train,
  TRAINING_COUPLINGS,
  type ConditionalVelocity,
  type TrainOptions,
} from '../src/index';
import { createTrainingCoupling } from '../src/training-coupling';

const quiet = { progress: false, log: () => undefined };

/** An exact conditional field: v(x, t | y) = (y . a) x + (y . b) t + c for one-hot y, so every branch is known. */
function exactField(): { model: ConditionalVelocity; calls: number[] } {
  const a = [0.5, -1, 2];
  const b = [1, 3, -2];
  const calls: number[] = [];
  const model: ConditionalVelocity = {
    classes: 3,
    velocity: (x, t, labels) => {
      calls.push(x.shape[0]);
      const n = x.shape[0];
      const ya = tf.reshape(tf.matMul(labels, tf.tensor2d(a, [3, 1])), [n, 1]);
      const yb = tf.reshape(tf.matMul(labels, tf.tensor2d(b, [3, 1])), [n, 1]);
      const tt = typeof t === 'number' ? tf.fill([n, 1], t) : tf.reshape(t, [n, 1]);
      return tf.add(tf.add(tf.mul(ya, x), tf.mul(yb, tt)), 0.25);
    },
  };
  return { model, calls };
}

describe('label dropout', () => {
  it('drops each label with the given probability, one draw per row, reproducibly', () => {
    const n = 20000;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
    const dropped = dropLabels(labels, 0.1, new Rng(3));
    const count = dropped.filter((v) => v === -1).length;
    // binomial(20000, 0.1): sd 42.4; 5 sd
    expect(Math.abs(count - 2000)).toBeLessThan(5 * Math.sqrt(n * 0.1 * 0.9));
    dropped.forEach((v, i) => expect(v === -1 || v === labels[i]).toBe(true));
    expect(Array.from(dropLabels(labels, 0.1, new Rng(3)))).toEqual(Array.from(dropped));
    expect(dropLabels(labels, 0, new Rng(3)).every((v, i) => v === labels[i])).toBe(true);
    expect(dropLabels(labels, 1, new Rng(3)).every((v) => v === -1)).toBe(true);
    // the stream advances by one draw per row whatever the probability
    const r1 = new Rng(9);
    const r2 = new Rng(9);
    dropLabels(labels.subarray(0, 7), 0, r1);
    dropLabels(labels.subarray(0, 7), 0.5, r2);
    expect(r1.uniform()).toBe(r2.uniform());
  });
});

describe('classifier-free guidance', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  const x = () => tf.tensor2d([1, 2, -1, 0.5, 3, -2, 0, 1], [4, 2]);
  const labels = Int32Array.from([0, 1, 2, 1]);
  const branch = (m: ConditionalVelocity, oneHot: number[][], t: number) => m.velocity(x(), t, tf.tensor2d(oneHot)).arraySync() as number[][];
  const cond = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [0, 1, 0],
  ];
  const zero = cond.map((r) => r.map(() => 0));

  it('W = 0 is the unconditional branch, W = 1 the conditional one, and W enters linearly', () => {
    const { model, calls } = exactField();
    const vc = branch(model, cond, 0.3);
    const vu = branch(model, zero, 0.3);
    const at = (w: number) => (guidedVelocity(model, () => labels, w)(x(), 0.3).arraySync() as number[][]).flat();
    calls.length = 0;
    expect(at(0)).toEqual(vu.flat());
    expect(at(1)).toEqual(vc.flat());
    expect(calls).toEqual([4, 4]); // one branch each
    calls.length = 0;
    for (const w of [2, -0.5, 3.25]) {
      const got = at(w);
      const want = vu.flat().map((u, i) => u + w * (vc.flat()[i]! - u));
      got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
    }
    // both branches in one network call on the rows stacked twice
    expect(calls).toEqual([8, 8, 8]);
    // v(W) - v(0) = W (v(1) - v(0)): linear in W
    const d2 = at(2).map((v, i) => v - at(0)[i]!);
    const d1 = at(1).map((v, i) => v - at(0)[i]!);
    d2.forEach((v, i) => expect(v).toBeCloseTo(2 * d1[i]!, 5));
  });

  it('takes per-row times and a guided model carries its class and weight in its identity', () => {
    const { model } = exactField();
    const t = tf.tensor1d([0, 0.5, 1, 0.25]);
    const got = guidedVelocity(model, () => labels, 2)(x(), t).arraySync() as number[][];
    const xs = x().arraySync() as number[][];
    const a = [0.5, -1, 2];
    const b = [1, 3, -2];
    const tv = [0, 0.5, 1, 0.25];
    got.forEach((row, i) =>
      row.forEach((v, j) => {
        const c = labels[i]!;
        const vcv = a[c]! * xs[i]![j]! + b[c]! * tv[i]! + 0.25;
        expect(v).toBeCloseTo(0.25 + 2 * (vcv - 0.25), 5);
      }),
    );
    const flow = { velocity: model.velocity as never, identity: 'm', shape: [2], dim: 2, conditional: model, dispose: () => undefined };
    const g = guidedFlowModel(flow, 'all', 2.5);
    expect(g.identity).toBe('m#class=all;guidance=2.5');
    // 'all': row i of any batch gets class i mod classes
    const out = g.velocity(x(), 0.3).arraySync() as number[][];
    const want = guidedVelocity(model, () => Int32Array.from([0, 1, 2, 0]), 2.5)(x(), 0.3).arraySync() as number[][];
    expect(out).toEqual(want);
    expect(() => guidedFlowModel(flow, 3, 1)).toThrow(/^class must be a class index in 0\.\.2/);
    expect(() => guidedFlowModel({ ...flow, conditional: undefined }, 0, 1)).toThrow(expect.objectContaining({ field: 'class' }));
  });
});

describe('labels follow their rows through every coupling', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  it.each(TRAINING_COUPLINGS)('%s', async (name) => {
    // row r's first feature is its label, so a served row says which label it must come with
    const n = 64;
    const dim = 3;
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % 5);
    const data = new Float32Array(n * dim);
    for (let r = 0; r < n; r++) {
      data[r * dim] = labels[r]!;
      data[r * dim + 1] = Math.sin(r);
      data[r * dim + 2] = Math.cos(3 * r);
    }
    const sampler = new ArraySampler(data, dim, new Rng(1), labels);
    const coupling = createTrainingCoupling(name, { sampler, dataset: { shape: [dim] }, rng: new Rng(2), initRng: new Rng(3), ms: 24, options: {}, batch: 10 });
    for (let step = 0; step < 7; step++) {
      const pair = await coupling.next(10);
      const got = sampler.takeLabels!(pair.batch);
      for (let b = 0; b < pair.batch; b++) expect(got[b]).toBe(pair.data[b * dim]);
    }
  });
});

describe('a conditional run', () => {
  let tmp: string;
  let points: string;
  let labelsFile: string;
  beforeAll(async () => {
    await initBackend('cpu');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-conditional-'));
    // three clusters on a line, labelled by cluster
    const rng = new Rng(5);
    const n = 300;
    const xs = new Float32Array(n * 2);
    const ys = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ys[i] = i % 3;
      xs[2 * i] = 2 * (ys[i]! - 1) + 0.1 * rng.normal();
      xs[2 * i + 1] = 0.1 * rng.normal();
    }
    points = path.join(tmp, 'points.npy');
    labelsFile = path.join(tmp, 'labels.npy');
    writeNpy(points, { dtype: 'float32', shape: [n, 2], data: xs });
    writeNpy(labelsFile, { dtype: 'int32', shape: [n], data: ys });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const opts = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
    dataset: points,
    labels: labelsFile,
    conditional: true,
    model: 'mlp',
    hidden: 16,
    layers: 1,
    coupling: 'ot',
    ms: 30,
    batch: 16,
    steps: 12,
    seed: 4,
    checkpointEvery: 4,
    keepCheckpoints: 10,
    out,
    ...extra,
  });

  it('records conditional, classes and dropout; resumes bit for bit; loads as a model that takes labels', async () => {
    const full = path.join(tmp, 'full');
    const split = path.join(tmp, 'split');
    await train(opts(full, { labelDropout: 0.25 }), quiet);
    await train(opts(split, { labelDropout: 0.25, steps: 10 }), quiet); // mid-scope of ot: rows and labels still queued
    await resume(split, 12, quiet);
    const config = new RunDirectory(full).readConfig();
    expect(config.conditional).toEqual({ classes: 3, labelDropout: 0.25 });
    expect(config.model.labelDim).toBe(3);
    expect(config.dataset.labels).toBe(labelsFile);
    const a = new RunDirectory(full).readNetWeights({});
    const b = new RunDirectory(split).readNetWeights({});
    expect(a.step).toBe(12);
    for (const k of Object.keys(a.params)) expect(Buffer.from((b.params[k]!.data as Float32Array).buffer).equals(Buffer.from((a.params[k]!.data as Float32Array).buffer))).toBe(true);
    expect(new RunDirectory(split).readLog().map((e) => e.loss)).toEqual(new RunDirectory(full).readLog().map((e) => e.loss));

    const model = await loadVelocityModel(full);
    expect(model.conditional?.classes).toBe(3);
    const flow = await loadFlowModel(full);
    expect(flow.conditional?.classes).toBe(3);
    flow.dispose();
    const s = await sampleModel(model, { solver: 'heun', nfe: 4, count: 7, firstRow: 2, class: 'all', guidance: 2 });
    expect(Array.from(s.labels!)).toEqual([2, 0, 1, 2, 0, 1, 2]);
    const one = await sampleModel(model, { solver: 'heun', nfe: 4, count: 3, class: 1, guidance: 0 });
    const uncond = await sampleModel(model, { solver: 'heun', nfe: 4, count: 3 });
    expect(Array.from(one.samples)).toEqual(Array.from(uncond.samples)); // W = 0: the unconditional branch
    await expect(sampleModel(model, { solver: 'heun', nfe: 4, count: 3, class: 3 })).rejects.toThrow(/^class must be a class index in 0\.\.2 or 'all', got 3/);
    await expect(sampleModel(model, { solver: 'heun', nfe: 4, count: 3, guidance: 2 })).rejects.toThrow(expect.objectContaining({ field: 'guidance' }));
    model.dispose();
  });

  it('refuses conditional training without labels, and labels without conditional', async () => {
    await expect(train({ ...opts(path.join(tmp, 'x')), labels: undefined }, quiet)).rejects.toThrow(expect.objectContaining({ field: 'labels' }));
    await expect(train({ ...opts(path.join(tmp, 'y')), conditional: false }, quiet)).rejects.toThrow(expect.objectContaining({ field: 'labels' }));
    await expect(train({ ...opts(path.join(tmp, 'z')), dataset: 'ring8', labels: undefined }, quiet)).rejects.toThrow(expect.objectContaining({ field: 'dataset' }));
    await expect(train({ ...opts(path.join(tmp, 'w')), labelDropout: 1.5 }, quiet)).rejects.toThrow(expect.objectContaining({ field: 'labelDropout' }));
  });

  it('samples of an unconditional run refuse a class', async () => {
    const plain = path.join(tmp, 'plain');
    await train({ ...opts(plain), conditional: false, labels: undefined, steps: 2 }, quiet);
    const model = await loadVelocityModel(plain);
    expect(model.conditional).toBeUndefined();
    await expect(sampleModel(model, { solver: 'euler', nfe: 2, count: 2, class: 0 })).rejects.toThrow(/^class 0: the model is unconditional/);
    model.dispose();
  });
});
