import { mkdirSync, mkdtempSync, readdirSync, rmSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readNpy } from '@flow/io';
import { initBackend } from '@flow/runtime';
import { loadVelocityModel, RunDirectory, sampleModel, train, writeSamples } from '../src/index';

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
    const run = new RunDirectory(out);
    expect(run.readLog().length).toBe(30);
    expect(JSON.parse(readFileSync(run.configFile, 'utf8')).dataset.spec).toBe('two-mode-2d');

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
    await expect(train({ dataset: 'nope', model: 'mlp', steps: 1, out: path.join(tmp, 'x') }, { progress: false })).rejects.toMatchObject({ kind: 'input', field: 'dataset' });
    await expect(train({ dataset: 'two-mode-2d', model: 'mlp', coupling: 'magic', steps: 1, out: path.join(tmp, 'y') }, { progress: false })).rejects.toMatchObject({
      field: 'coupling',
      message: expect.stringMatching(/^coupling magic: expected one of independent, dansm, ot, sinkhorn, unbalanced, partial, encoder/),
    });
    await expect(train({ dataset: 'mnist', model: 'mlp', steps: 1, limit: 10, out: path.join(tmp, 'z') }, { progress: false })).rejects.toMatchObject({
      field: 'model',
      message: expect.stringMatching(/^model mlp needs vector data/),
    });
    await expect(train({ dataset: 'two-mode-2d', model: 'mlp', steps: 0, out: path.join(tmp, 'w') }, { progress: false })).rejects.toThrow('steps must be a positive integer, got 0');
  });

  it('a refused run leaves nothing behind, so the corrected command starts it', async () => {
    // an exact-OT scope that cannot fit is refused when the coupling is built: before the run directory exists
    const out = path.join(tmp, 'refused');
    await expect(train({ dataset: 'two-mode-2d', model: 'mlp', coupling: 'ot', ms: 1_000_000, steps: 1, out }, { progress: false })).rejects.toMatchObject({ kind: 'input' });
    expect(existsSync(out)).toBe(false);
    // an existing empty folder stays empty
    mkdirSync(out);
    await expect(train({ dataset: 'two-mode-2d', model: 'mlp', coupling: 'ot', ms: 1_000_000, steps: 1, out }, { progress: false })).rejects.toMatchObject({ kind: 'input' });
    expect(readdirSync(out)).toEqual([]);
    const ok = await train({ dataset: 'two-mode-2d', model: 'mlp', hidden: 8, layers: 1, coupling: 'ot', ms: 64, batch: 32, steps: 2, out }, { progress: false });
    expect(ok.steps).toBe(2);
    expect(new RunDirectory(out).listCheckpoints().map((c) => c.step)).toEqual([2]);
  });
});
