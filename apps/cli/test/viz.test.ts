import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ndarray, writeNpy } from '@flow/io';
import { Rng } from '@flow/random';
import { vizCommand } from '../src/commands/viz';
import { captureStdout } from './capture-stdout';

describe('flow viz pairs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-viz-'));

  it('shows fewer crossings and shorter paths after exact matching (2-D data, PNG)', async () => {
    const rng = new Rng(1);
    const x = rng.fillNormal(new Float32Array(60 * 2)).map((v, i) => (i % 2 === 0 ? v + (i % 4 === 0 ? 4 : -4) : v));
    writeNpy(join(dir, 'x.npy'), ndarray('float32', [60, 2], x));
    const out = join(dir, 'pairs.png');
    const { code, out: stdout } = await captureStdout(() => vizCommand.run(['pairs', '--data', join(dir, 'x.npy'), '--out', out, '--json', '--seed', '3']));
    expect(code).toBe(0);
    const s = JSON.parse(stdout) as Record<string, number>;
    expect(s.n).toBe(60);
    expect(s.crossings_after).toBeLessThan(s.crossings_before);
    // Squared-cost OT segments may still cross (only same-time interpolants cannot), but far fewer do.
    expect(s.crossings_after).toBeLessThan(s.crossings_before / 2);
    expect(s.mean_sq_path_after).toBeLessThan(s.mean_sq_path_before);
    expect(readFileSync(out).subarray(1, 4).toString()).toBe('PNG');
  });

  it('embeds high-dimensional rows with t-SNE and writes SVG', async () => {
    const rng = new Rng(2);
    writeNpy(join(dir, 'img.npy'), ndarray('float32', [24, 4, 4], rng.fillUniform(new Float32Array(24 * 16))));
    const out = join(dir, 'pairs.svg');
    const { code, out: stdout } = await captureStdout(() => vizCommand.run(['pairs', '--data', join(dir, 'img.npy'), '--out', out, '--json', '--solver', 'greedy', '--iterations', '50']));
    expect(code).toBe(0);
    expect(JSON.parse(stdout).embedding).toBe('tsne');
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toContain('<polyline');
  });

  it('rejects bad usage with a clear message', async () => {
    await expect(vizCommand.run(['pairs', '--data', 'x.npy', '--out', 'a.gif'])).rejects.toThrow(/--out must name a \.png or \.svg/);
    await expect(vizCommand.run(['nope'])).rejects.toThrow(/expected the subcommand 'pairs'/);
  });
});
