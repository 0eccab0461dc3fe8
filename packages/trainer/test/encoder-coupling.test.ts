import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '@flow/runtime';
import { resume, RunDirectory, train, type TrainOptions } from '../src/index';

const options = (out: string, beta: number): TrainOptions => ({
  dataset: 'two-mode-2d',
  model: 'mlp',
  hidden: 32,
  layers: 2,
  coupling: 'encoder',
  couplingOptions: { beta },
  batch: 64,
  steps: 12,
  seed: 3,
  checkpointEvery: 6,
  keepCheckpoints: 10,
  out,
});
const quiet = { progress: false, log: () => undefined };

describe('encoder coupling in the trainer', () => {
  let tmp: string;
  beforeAll(async () => {
    await initBackend('cpu');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-trainer-enc-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('trains the encoder jointly, checkpoints its variables and resumes bit for bit', async () => {
    const full = path.join(tmp, 'full');
    const split = path.join(tmp, 'split');
    await train(options(full, 10), quiet);
    await train({ ...options(split, 10), steps: 6 }, quiet);
    await resume(split, 12, quiet);
    const newest = (dir: string) => new RunDirectory(dir).latestCheckpoint()!.checkpoint;
    const a = newest(full);
    const b = newest(split);
    const encoderNames = Object.keys(a.coupling.params).filter((n) => n.includes('encoder.'));
    expect(encoderNames.length).toBeGreaterThanOrEqual(4);
    for (const group of ['net', 'coupling'] as const) {
      for (const name of Object.keys(a[group].params)) {
        expect(Buffer.from((b[group].params[name]!.data as Float32Array).buffer).equals(Buffer.from((a[group].params[name]!.data as Float32Array).buffer))).toBe(true);
      }
    }
    // The zero-initialised head has moved: q(z|x) is no longer exactly the prior.
    const head = a.coupling.params[encoderNames.find((n) => n.endsWith('head.weight'))!]!.data as Float32Array;
    expect(head.some((v) => v !== 0)).toBe(true);
    expect(new RunDirectory(full).readLog().length).toBeGreaterThan(0);
  });

  it('rejects a negative beta with an input error', async () => {
    await expect(train(options(path.join(tmp, 'bad'), -1), quiet)).rejects.toMatchObject({ kind: 'input' });
  });
});
