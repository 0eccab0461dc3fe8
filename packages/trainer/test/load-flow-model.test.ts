import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@flow/runtime';
import { GaussianMixtureFlow } from '@flow/solvers';
import { loadFlowModel, TrainerInputError } from '../src/index';

describe('loadFlowModel', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('loads gmm:SPEC.json as the exact Gaussian-mixture flow', async () => {
    const spec = path.join(mkdtempSync(path.join(os.tmpdir(), 'flow-gmm-')), 'gmm.json');
    writeFileSync(spec, JSON.stringify({ weights: [0.5, 0.5], means: [[-2, 0], [2, 1]], stds: [0.3, 0.5] }));
    const model = await loadFlowModel(`gmm:${spec}`);
    const reference = GaussianMixtureFlow.fromFile(spec);
    try {
      expect(model.shape).toEqual([2]);
      expect(model.dim).toBe(2);
      expect(model.identity).toBe(reference.identity);
      const x = tf.tensor2d([[0.1, -0.3], [1, 2]]);
      const t = tf.tensor1d([0.25, 0.75]);
      expect(Array.from(model.velocity(x, t).dataSync())).toEqual(Array.from(reference.velocity(x, t).dataSync()));
    } finally {
      model.dispose();
      reference.dispose();
    }
  });

  it('names the field when the spec is empty', async () => {
    await expect(loadFlowModel('')).rejects.toThrow(TrainerInputError);
    await expect(loadFlowModel('')).rejects.toThrow(/^model: expected gmm:SPEC.json or a model directory/);
  });
});
