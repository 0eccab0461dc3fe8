import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpz, readSafetensors, writeSafetensors } from '@flow/io';
import { featureStatistics, frechetDistance, syntheticInceptionTensors } from '@flow/fid';
import { fidCommand } from '../src/commands/fid';
import { captureStdout } from './capture-stdout';

// The @flow/fid Inception fixture: images, batch-norm statistics and PyTorch features (tools/inception-fixture).
const FIXTURE = join(__dirname, '../../../packages/fid/test/fixtures/inception');

describe('flow fid --extractor inception:WEIGHTS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-fid-inception-'));
  const weights = join(dir, 'inception.safetensors');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--save-stats writes pytorch-fid statistics; stats vs an image array in batches gives PyTorch\'s FID', async () => {
    writeSafetensors(weights, { ...syntheticInceptionTensors(), ...readSafetensors(join(FIXTURE, 'bn-stats.safetensors')).tensors });
    const ref = readNpz(join(FIXTURE, 'features.npz'));
    const expected = frechetDistance(featureStatistics(ref.a64.data as Float32Array, 2048), featureStatistics(ref.b64.data as Float32Array, 2048));
    const a = join(FIXTURE, 'images-a.npy');
    const b = join(FIXTURE, 'images-b.npy');
    // A through --save-stats (pytorch-fid .npz), B as an image array in batches of 2: five forward passes in all.
    const stats = join(dir, 'a.npz');
    expect((await captureStdout(() => fidCommand.run(['--extractor', `inception:${weights}`, '--save-stats', stats, '--json', '--backend', 'wasm', a]))).code).toBe(0);
    const aStats = readNpz(stats);
    expect(aStats.mu.shape).toEqual([2048]);
    expect(aStats.sigma.shape).toEqual([2048, 2048]);
    const run = await captureStdout(() => fidCommand.run(['--extractor', `inception:${weights}`, '--batch-size', '2', '--json', '--backend', 'wasm', stats, b]));
    expect(run.code).toBe(0);
    const r = JSON.parse(run.out) as { fid: number; dim: number; count_b: number; input_a: string; input_b: string };
    expect([r.dim, r.count_b, r.input_a, r.input_b]).toEqual([2048, 2, 'stats', 'images']);
    expect(Math.abs(r.fid - expected) / expected).toBeLessThan(1e-3);
  });

  it('rejects a bad --resize and weights that are neither .pth nor safetensors', async () => {
    await expect(fidCommand.run(['--extractor', `inception:${weights}`, '--resize', 'nearest', 'a.npy', 'b.npy'])).rejects.toThrow(/--resize expects pytorch-fid or clean/);
    await expect(fidCommand.run(['--extractor', 'inception:w.bin', '--quiet', '--backend', 'wasm', join(FIXTURE, 'images-a.npy'), join(FIXTURE, 'images-b.npy')])).rejects.toThrow(/\.pth \(torch\.save\) or \.safetensors/);
  });
});
