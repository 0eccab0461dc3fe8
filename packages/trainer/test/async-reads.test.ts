import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@flow/runtime';
import { loadVelocityModel, RunDirectory, sampleModel, train } from '../src/index';

// tfjs-backend-webgpu reads synchronously through OffscreenCanvas, which Node lacks: a dataSync anywhere in
// training or sampling breaks `--backend webgpu`. Forbid it here on wasm, where the same code path runs.
describe('training and sampling read tensors asynchronously only', () => {
  let tmp: string;
  let spy: jest.SpyInstance;
  beforeAll(async () => {
    await initBackend('wasm');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-async-'));
    spy = jest.spyOn(tf.Tensor.prototype, 'dataSync').mockImplementation(() => {
      throw new Error('dataSync called');
    });
  });
  afterAll(() => {
    spy.mockRestore();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('U-Net run with EMA snapshots and checkpoints, then Euler sampling', async () => {
    const out = path.join(tmp, 'run');
    const s = await train(
      { dataset: 'mnist', limit: 8, model: 'unet-edm2', preset: 'mnist-tiny', batch: 2, steps: 3, checkpointEvery: 2, emaEvery: 2, seed: 0, out },
      { progress: false, log: () => undefined },
    );
    expect(s.steps).toBe(3);
    expect(Number.isFinite(s.final_loss)).toBe(true);
    expect(new RunDirectory(out).listCheckpoints().length).toBe(2);
    expect(readdirSync(new RunDirectory(out).emaDir).length).toBeGreaterThan(0);
    const model = await loadVelocityModel(out);
    const r = await sampleModel(model, { solver: 'euler', nfe: 2, count: 2, seed: 1 });
    expect(r.shape).toEqual([2, 28, 28, 1]);
    expect(r.samples.every(Number.isFinite)).toBe(true);
    model.dispose();
    expect(spy).not.toHaveBeenCalled();
  });
});
