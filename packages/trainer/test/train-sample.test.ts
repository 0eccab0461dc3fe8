import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy } from '@flow/io';
import { initBackend } from '@flow/runtime';
import { Adam, learningRate, loadVelocityModel, readLog, sampleModel, train, TrainerInputError, writeSamples } from '../src/index';

describe('EDM2 learning-rate schedule', () => {
  it('ramps up linearly, then decays as 1/sqrt(step/ref)', () => {
    const s = { refLr: 0.01, refSteps: 100, rampupSteps: 10 };
    expect(learningRate(s, 5)).toBeCloseTo(0.005, 12);
    expect(learningRate(s, 10)).toBeCloseTo(0.01, 12);
    expect(learningRate(s, 100)).toBeCloseTo(0.01, 12);
    expect(learningRate(s, 400)).toBeCloseTo(0.005, 12);
  });
});

describe('Adam', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });
  it('matches the textbook update with bias correction', () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'adam-test-w');
    const adam = new Adam({ w }, { beta1: 0.9, beta2: 0.99, epsilon: 1e-8 });
    const g1 = [0.5, -1];
    const g2 = [0.25, 2];
    adam.apply({ w: tf.tensor1d(g1) }, 0.1, 1);
    adam.apply({ w: tf.tensor1d(g2) }, 0.1, 2);
    const out = w.dataSync();
    for (let i = 0; i < 2; i++) {
      let m = 0, v = 0, p = [1, -2][i];
      [g1[i], g2[i]].forEach((g, k) => {
        m = 0.9 * m + 0.1 * g;
        v = 0.99 * v + 0.01 * g * g;
        const mh = m / (1 - 0.9 ** (k + 1));
        const vh = v / (1 - 0.99 ** (k + 1));
        p -= (0.1 * mh) / (Math.sqrt(vh) + 1e-8);
      });
      expect(out[i]).toBeCloseTo(p, 5);
    }
    adam.dispose();
    w.dispose();
  });
});

describe('train + sample (two-mode-2d, MLP)', () => {
  let tmp: string;
  beforeAll(async () => {
    await initBackend('cpu');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-ts-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('lowers the loss, and samples land near the two modes', async () => {
    const out = path.join(tmp, 'run');
    const s = await train(
      { dataset: 'two-mode-2d', model: 'mlp', hidden: 64, layers: 2, batch: 128, steps: 300, seed: 1, lr: 3e-3, warmup: 20, out },
      { progress: false, log: () => undefined },
    );
    expect(s.final_loss).toBeLessThan(0.75 * s.initial_loss);
    expect(readLog(out).length).toBe(30);
    expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).dataset.spec).toBe('two-mode-2d');

    const model = await loadVelocityModel(out);
    expect(model.step).toBe(300);
    expect(model.identity).toMatch(/^flow-train:sha256:[0-9a-f]{64}$/);
    const again = await loadVelocityModel(out);
    expect(again.identity).toBe(model.identity);
    again.dispose();
    const r = await sampleModel(model, { solver: 'euler', nfe: 20, count: 1000, seed: 3 });
    expect(r.shape).toEqual([1000, 2]);
    expect(r.nfe).toBe(20);
    // data space: most samples near y = 8, split between x < 0 and x > 0
    let nearRow = 0, right = 0;
    for (let i = 0; i < 1000; i++) {
      if (Math.abs(r.samples[2 * i + 1] - 8) < 1.5) nearRow++;
      if (r.samples[2 * i] > 0) right++;
    }
    expect(nearRow / 1000).toBeGreaterThan(0.8);
    expect(right / 1000).toBeGreaterThan(0.3);
    expect(right / 1000).toBeLessThan(0.7);
    const npy = path.join(tmp, 's.npy');
    writeSamples(npy, r, 'points');
    expect(readNpy(npy).shape).toEqual([1000, 2]);
    const png = path.join(tmp, 's.png');
    writeSamples(png, r, 'points', 'test');
    expect(existsSync(png)).toBe(true);
    model.dispose();
  });

  it('refuses to overwrite a run and rejects bad options with input errors', async () => {
    const out = path.join(tmp, 'run');
    await expect(train({ dataset: 'two-mode-2d', model: 'mlp', steps: 1, out }, { progress: false })).rejects.toThrow(/already holds a run/);
    await expect(train({ dataset: 'nope', model: 'mlp', steps: 1, out: path.join(tmp, 'x') }, { progress: false })).rejects.toThrow(TrainerInputError);
    await expect(train({ dataset: 'two-mode-2d', model: 'mlp', coupling: 'magic', steps: 1, out: path.join(tmp, 'y') }, { progress: false })).rejects.toThrow(/--coupling magic/);
    await expect(train({ dataset: 'mnist', model: 'mlp', steps: 1, limit: 10, out: path.join(tmp, 'z') }, { progress: false })).rejects.toThrow(/--model mlp needs vector data/);
  });
});
