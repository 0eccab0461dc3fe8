import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeSafetensors, type NdArray } from '@flow/io';
import { Rng } from '@flow/random';
import { initBackend } from '@flow/runtime';
import { createEdm2Unet } from '@flow/unet-edm2';
import { loadVelocityModel, RunDirectory, train, unetConfigFor, type RunCheckpoint } from '../src/index';

const toTensor = (a: NdArray): tf.Tensor => tf.tensor(a.data as Float32Array, a.shape, 'float32');

// The U-Net's Fourier frequencies and phases are fixed, not trained. A loader that drew them from another
// seed than the trainer's would evaluate another time embedding: these tests compare against the tensors
// the trainer itself wrote, not against how the loader derives them.
describe('loadVelocityModel rebuilds the network the trainer fit', () => {
  let tmp: string;
  let run: string;
  beforeAll(async () => {
    await initBackend('wasm');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'flow-load-'));
    run = path.join(tmp, 'run');
    await train(
      { dataset: 'mnist', limit: 2, model: 'unet-edm2', preset: 'mnist-tiny', batch: 2, steps: 3, seed: 5, out: run },
      { progress: false, log: () => undefined },
    );
    // Three steps barely open EDM2's zero-initialised embedding gains; open them fully so that the time
    // embedding, and so the buffers, shape the output as in a trained net.
    const dir = new RunDirectory(run);
    const { checkpoint } = dir.latestCheckpoint()!;
    for (const [k, a] of Object.entries(checkpoint.net.params)) if (/emb_gain$/.test(k)) a.data = new Float32Array(a.data.length).fill(1);
    dir.writeCheckpoint(checkpoint);
  }, 120_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const newest = (): RunCheckpoint => new RunDirectory(run).latestCheckpoint()!.checkpoint;
  const x = () => tf.tensor4d(new Rng(3).fillNormal(new Float32Array(4 * 784)), [4, 28, 28, 1]);
  const t = () => tf.tensor1d([0.1, 0.4, 0.7, 0.95]);

  /** Velocity of a U-Net holding exactly the checkpoint's tensors (weights and, when `withBuffers`, buffers). */
  async function referenceVelocity(withBuffers: boolean): Promise<Float32Array> {
    const config = new RunDirectory(run).readConfig();
    const { net: stored } = newest();
    const net = createEdm2Unet(unetConfigFor(config.model, config.dataset.shape), { seed: 12345 });
    const load: Record<string, tf.Tensor> = {};
    for (const [k, a] of Object.entries(stored.params)) load[k] = toTensor(a);
    if (withBuffers) for (const [k, a] of Object.entries(stored.buffers)) load[k] = toTensor(a);
    net.load(load);
    const v = (await net.forward(x(), t()).data()) as Float32Array;
    net.dispose();
    return v;
  }

  async function loadedVelocity(): Promise<Float32Array> {
    const model = await loadVelocityModel(run);
    const v = (await model.velocity(x(), t()).data()) as Float32Array;
    model.dispose();
    return v;
  }

  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

  it('checkpoints hold the Fourier buffers, and the loaded model computes with them', async () => {
    expect(Object.keys(newest().net.buffers)).toEqual(expect.arrayContaining(['unet.emb_fourier.freqs', 'unet.emb_fourier.phases']));
    const want = await referenceVelocity(true);
    // the buffers matter: the same weights with other Fourier features give another function
    expect(maxDiff(await referenceVelocity(false), want)).toBeGreaterThan(1e-4);
    expect(maxDiff(await loadedVelocity(), want)).toBe(0);
  });

  it('a weights file without buffers (an EMA export) gets the trainer\'s buffers from the run seed', async () => {
    const want = await referenceVelocity(true);
    const plain: Record<string, NdArray> = newest().net.params;
    writeSafetensors(new RunDirectory(run).modelWeightsFile, plain);
    expect(maxDiff(await loadedVelocity(), want)).toBe(0);
  });
});
