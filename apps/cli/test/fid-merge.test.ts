import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frechetDistance, readStats } from '@flow/fid';
import { writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { fidCommand } from '../src/commands/fid';
import { captureStdout } from './capture-stdout';

describe('flow fid --merge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-fid-merge-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('merges per-shard statistics into the statistics of the whole set (FID to 1e-9 relative)', async () => {
    const rows = 500;
    const dim = 6;
    const x = new Rng(2).fillNormal(new Float32Array(rows * dim)).map((v, i) => v * (1 + (i % dim)) + 3);
    const features = (file: string, a: number, b: number) => writeNpy(join(dir, file), { dtype: 'float32', shape: [b - a, dim], data: x.slice(a * dim, b * dim) });
    features('all.npy', 0, rows);
    const cuts = [0, 125, 250, 375, rows];
    const parts: string[] = [];
    for (let i = 0; i < 4; i++) {
      features(`p${i}.npy`, cuts[i], cuts[i + 1]);
      parts.push(join(dir, `p${i}.npz`));
      expect((await captureStdout(() => fidCommand.run(['--save-stats', parts[i], join(dir, `p${i}.npy`)]))).code).toBe(0);
    }
    expect((await captureStdout(() => fidCommand.run(['--save-stats', join(dir, 'all.npz'), join(dir, 'all.npy')]))).code).toBe(0);
    const merged = await captureStdout(() => fidCommand.run(['--merge', ...parts, '--save-stats', join(dir, 'merged.npz'), '--json']));
    expect(JSON.parse(merged.out)).toMatchObject({ count: rows, dim, parts: 4, versions: { '@flow/cli': expect.any(String) } });
    const ref = { mu: new Float64Array(dim).fill(3.1), sigma: Float64Array.from({ length: dim * dim }, (_, k) => (k % (dim + 1) === 0 ? 4 : 0)) };
    const whole = frechetDistance(readStats(join(dir, 'all.npz')), ref);
    const fromParts = frechetDistance(readStats(join(dir, 'merged.npz')), ref);
    expect(Math.abs(fromParts - whole) / whole).toBeLessThan(1e-9);
    await expect(captureStdout(() => fidCommand.run(['--merge', ...parts]))).rejects.toThrow(/--save-stats/);
  });
});
